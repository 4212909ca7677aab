"""The suggest-regex pipeline end to end, through fail2ban's real Filter."""
import os

import pytest

from f2btune.errors import InputError
from f2btune.suggest.core import suggest_filter as suggest
from f2btune.suggest.prove import failures
from f2btune.seed import SEED_REGEX as SEED

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def flood_log(tmp_path):
    from f2btune.flood import write_flood
    p = tmp_path / "flood.log"
    write_flood(str(p), 1500, sources=40, ipv6=0.2, noise=0.2, seed=11)
    return str(p)


def test_seed_regex_on_flood(flood_log):
    r = suggest(flood_log, failregex=SEED, bench=False)
    assert r["equivalent"] and r["hosts_equal"]
    assert r["matched"] == r["baseline_matched"] > 1000
    assert r["datepattern"] == "^%b %d %H:%M:%S"
    assert r"f2b\-syn:" in r["prefregex"] and r["prefregex"].startswith(r"^\s*\S+ kernel:")
    assert all("<ADDR>" in f and "<HOST>" not in f for f in r["failregex"])
    assert r["injection"]["variants"] > 50 and r["injection"]["failures"] == 0
    assert r["speedup"] is None


def test_write_and_samplestestcase(flood_log, tmp_path):
    out = tmp_path / "my-synflood.conf"
    r = suggest(flood_log, failregex=SEED, bench=False, write=str(out))
    assert r["written"]["samples_check"] is True, r["written"]
    assert out.exists() and (tmp_path / "my-synflood.sample").exists()
    # the written file is a real fail2ban filter equivalent to the seed on the log
    from f2btune.f2b import make_filter
    with open(flood_log) as f:
        lines = [l.rstrip("\n") for l in f]
    a = failures(make_filter(failregex=SEED, usedns="raw"), lines)
    b = failures(make_filter(str(out), usedns="raw"), lines)
    assert a == b


def test_filter_baseline_on_sample(tmp_path):
    src = "/usr/lib/python3/dist-packages/fail2ban/tests/files/logs/dropbear"
    if not os.path.isfile(src):
        pytest.skip("fail2ban sample logs not installed")
    p = tmp_path / "dropbear.log"
    p.write_text("".join(l for l in open(src) if not l.startswith("#") and l.strip()))
    r = suggest(str(p), filter_spec="dropbear", bench=False)
    assert r["equivalent"], r
    # the stock filter takes injected addresses on this sample, the suggestion does not
    assert r["injection"]["baseline_failures"] > 0 and r["injection"]["failures"] == 0


def test_match_text(tmp_path):
    p = tmp_path / "app.log"
    p.write_text("".join("Aug 14 11:59:%02d web myapp[%d]: login failed for user u%d from 192.0.2.%d\n"
                         "Aug 14 11:59:%02d web myapp[%d]: login ok for user v%d from 198.51.100.%d\n"
                         % (i, 100 + i, i, i, i, 200 + i, i, i) for i in range(10)))
    r = suggest(str(p), match="login failed", bench=False)
    assert r["equivalent"] and r["matched"] == 10
    assert r["failregex"] == [r"^login failed for user u\d+ from <ADDR>\s*$"]


def test_no_positive_and_bad_pattern(tmp_path):
    p = tmp_path / "a.log"
    p.write_text("Aug 14 11:59:01 web x[1]: nothing here\n" * 3)
    r = suggest(str(p), failregex=r"failure from <HOST>", bench=False)
    assert not r["equivalent"] and "matches none" in r["no_anchor"]
    with pytest.raises(InputError) as e:
        suggest(str(p), failregex=r"(unclosed <HOST>", bench=False)
    assert "\n" not in str(e.value)
    with pytest.raises(InputError):
        suggest(str(p), failregex=r"no host group here", bench=False)


def test_speedup_from_bench_harness(flood_log):
    """The speed-up is the ratio the bench harness reports (stub harness: the value is passed
    through, never invented); a failing harness gives null."""
    seen = {}

    def fake_run_bench(log, candidates, **kw):
        seen["names"] = [c.name for c in candidates]
        return {"results": [
            {"candidate": "baseline", "stage": "filter", "ratio": 1.0, "lines_per_s": 100.0, "stdev": 1.0},
            {"candidate": "suggested", "stage": "filter", "ratio": 1.5, "lines_per_s": 150.0, "stdev": 2.0}]}

    r = suggest(flood_log, failregex=SEED, bench_fn=fake_run_bench)
    assert r["speedup"] == 1.5 and seen["names"] == ["baseline", "suggested"]

    def broken(*a, **k):
        raise RuntimeError("no pyperf")
    r = suggest(flood_log, failregex=SEED, bench_fn=broken)
    assert r["speedup"] is None and "no pyperf" in r["bench"]["error"]


def test_mid_line_stamps_keep_default_detection():
    """Grafana's t= stamp is not at the line start: no datepattern is pinned."""
    log = os.path.join(ROOT, "tests", "suggest", "fixtures", "grafana", "learn.log")
    r = suggest(log, match='msg="Invalid username or password"', bench=False)
    assert r["datepattern"] is None and "datepattern" not in r["filter_text"].split("[Definition]")[1]
    assert r["equivalent"]


def test_heldout_needs_enough_distinct_lines(tmp_path):
    p = tmp_path / "few.log"
    p.write_text("".join("Aug 14 11:59:%02d web app[1]: bad login for u%d from 192.0.2.%d\n" % (i, i, i + 1)
                         for i in range(5)))
    r = suggest(str(p), match="bad login", bench=False)
    assert r["heldout"]["shown"] is False and "could not be shown" in r["heldout"]["summary"]
