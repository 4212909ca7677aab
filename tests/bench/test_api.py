"""run_bench end to end: real fail2ban, real pyperf; the summary schema; equivalence flagging."""
import json
import os
import sys

import pytest

from f2btune.bench.api import SEED_REGEX, Candidate, default_candidates, run_bench
from f2btune.errors import F2btuneError

ROW_KEYS = {"candidate", "stage", "python", "lines_per_s", "stdev", "matched", "hosts", "ratio",
            "agrees", "cold_lines_per_s", "us_per_line", "pyperf_json", "processes", "values"}


def test_summary_schema_and_pyperf_files(tmp_path, flood_log, test_filter):
    path, gen = flood_log
    out = str(tmp_path / "summary.json")
    summary = run_bench(path, [Candidate.regex(SEED_REGEX, name="seed"), Candidate.filter(test_filter),
                               Candidate.regex(r"SRC=<IP4> DST", name="v4only")],
                        stage=["regex", "filter"], json_path=out, sample_lines=150)
    with open(out) as f:
        assert json.load(f) == json.loads(json.dumps(summary))
    assert summary["log"] == os.path.abspath(path)
    assert summary["lines"] == gen["lines"] and summary["sample_lines"] == 150
    assert len(summary["results"]) == 6
    for row in summary["results"]:
        assert ROW_KEYS <= set(row), ROW_KEYS - set(row)
        assert row["lines_per_s"] > 0 and row["stdev"] >= 0 and row["cold_lines_per_s"] > 0
        # every figure comes from a kept pyperf file
        import pyperf
        bench = pyperf.Benchmark.load(row["pyperf_json"])
        assert abs(1.0 / bench.median() - row["lines_per_s"]) < 1e-6 * row["lines_per_s"]
    rows = dict(((r["candidate"], r["stage"]), r) for r in summary["results"])
    for stage in ("regex", "filter"):
        assert rows[("seed", stage)]["ratio"] == 1.0
        assert rows[("seed", stage)]["matched"] == gen["attack_lines"]
        assert rows[("seed", stage)]["hosts"] == gen["hosts"]
        assert rows[("f2btune-test-syn", stage)]["agrees"] is True
        assert rows[("v4only", stage)]["agrees"] is False  # it misses the IPv6 attackers
        assert rows[("v4only", stage)]["matched"] < gen["attack_lines"]
    assert summary["breakdown"][0]["steps"][0]["stage"] == "regex"


def test_current_and_pypy_side_by_side(flood_log, pypy3):
    summary = run_bench(flood_log[0], [Candidate.regex(SEED_REGEX, name="seed")], stage="jail",
                        pythons=[sys.executable, pypy3], sample_lines=100)
    pythons = set(r["python"] for r in summary["results"])
    assert len(pythons) == 2 and any(p.startswith("PyPy") for p in pythons)
    assert set(r["stage"] for r in summary["results"]) == {"jail", "jail-info"}
    assert all(r["pyperf_json"] is None for r in summary["results"])  # temp files are gone


def test_default_candidates():
    c = default_candidates()
    assert c[0].spec == SEED_REGEX and c[0].name == "seed"
    assert all(x.kind == "filter" for x in c[1:])


@pytest.mark.parametrize("kwargs, words", [
    (dict(candidates=[]), "no candidate"),
    (dict(stage="parse"), "unknown stage"),
    (dict(pythons=["f2btune-no-such-python"]), "not found"),
    (dict(project="pi9"), "unknown --project"),
    (dict(candidates=["kernel: SRC=(<HOST>"]), "rejected by fail2ban"),
])
def test_bad_input(flood_log, kwargs, words):
    args = dict(candidates=[Candidate.regex(SEED_REGEX)])
    args.update(kwargs)
    with pytest.raises(F2btuneError, match=words) as e:
        run_bench(flood_log[0], **args)
    assert e.value.exit_status == 1


def test_command_line_candidates_keep_every_name_distinct(test_filter):
    from f2btune.bench.api import command_line_candidates
    c = command_line_candidates(["a", "b"], [test_filter, test_filter], defaults=False)
    assert [x.name for x in c][:3] == ["seed", "regex1", "regex2"]
    assert len(set(x.name for x in c)) == 5 and c[4].name.startswith(c[3].name + "#")


def test_default_pythons_are_this_one_plus_the_given_ones():
    from f2btune.bench.interpreters import default_pythons
    assert default_pythons(["pypy3"]) == [sys.executable, "pypy3"]
    assert default_pythons()[0] == sys.executable
