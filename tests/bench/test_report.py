"""Rendering and derived numbers of the summary (synthetic figures: formatting logic only)."""
from f2btune.bench import report


def row(cand, stage, python, us, agrees=True):
    return {"candidate": cand, "stage": stage, "python": python, "us_per_line": us,
            "lines_per_s": 1e6 / us, "stdev": 1.0, "ratio": 1.0, "cold_lines_per_s": None,
            "matched": 10, "hosts": 2, "agrees": agrees, "vs_first_python": 1.0}


def test_breakdown_steps_add_up():
    rows = [row("seed", "regex", "CPython", 1.0), row("seed", "filter", "CPython", 10.0),
            row("seed", "jail", "CPython", 30.0), row("seed", "jail-info", "CPython", 50.0)]
    b = report.breakdown(rows)[0]
    assert [s["adds_us"] for s in b["steps"]] == [1.0, 9.0, 20.0, 20.0]
    assert abs(sum(s["adds_share"] for s in b["steps"]) - 1.0) < 1e-9


def test_single_stage_has_no_breakdown():
    assert report.breakdown([row("seed", "filter", "CPython", 10.0)]) == []


def test_flag_is_rendered():
    s = {"log": "/x.log", "lines": 20, "sample_lines": 10, "fast": True, "fail2ban_version": "1.0.2",
         "baseline": "seed", "pythons": [{"label": "CPython"}], "breakdown": [], "projection": None,
         "results": [row("seed", "filter", "CPython", 10.0), row("fastbad", "filter", "CPython", 5.0, False)]}
    text = report.format_summary(s)
    assert "DIFFERS" in text and "FLAG: fastbad" in text
    assert "timed over the first 10" in text
