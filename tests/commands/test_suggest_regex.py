"""`f2btune suggest-regex` as a user runs it: exit codes, --json keys, bad input, --write."""
import json
import os

import pytest

from f2btune.seed import SEED_REGEX as SEED
from tests.conftest import run_cli

KEYS = {"datepattern", "prefregex", "failregex", "equivalent", "lines", "baseline_matched",
        "matched", "hosts_equal", "speedup"}


@pytest.fixture(scope="module")
def flood_log(tmp_path_factory):
    from f2btune.flood import write_flood
    p = tmp_path_factory.mktemp("sr") / "flood.log"
    write_flood(str(p), 800, sources=30, ipv6=0.2, noise=0.2, seed=5)
    return str(p)


def test_json_keys(flood_log):
    r = run_cli("suggest-regex", flood_log, "--failregex", SEED, "--json", "--no-bench")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert KEYS <= set(out)
    assert out["equivalent"] is True and out["hosts_equal"] is True
    assert isinstance(out["failregex"], list) and out["speedup"] is None
    assert out["lines"] == 800 and out["matched"] == out["baseline_matched"]


def test_text_output_and_write(flood_log, tmp_path):
    target = tmp_path / "syn.conf"
    r = run_cli("suggest-regex", flood_log, "--match", "SRC=", "--no-bench", "--write", target)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "EQUIVALENT" in r.stdout and "samplestestcase: passed" in r.stdout
    assert "[Definition]" in target.read_text()
    assert (tmp_path / "syn.sample").read_text().count("failJSON") > 5


def test_speedup_measured_through_bench(flood_log):
    """One real measurement (bench harness, pyperf): a positive float, never invented."""
    r = run_cli("suggest-regex", flood_log, "--failregex", SEED, "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    b = out["bench"]
    assert b.get("error") is None, b
    assert isinstance(out["speedup"], float) and out["speedup"] > 0
    assert abs(out["speedup"] - b["lines_per_s"] / b["baseline_lines_per_s"]) < 0.05 * out["speedup"] + 0.05


def _one_line_error(r):
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr + r.stdout
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("f2btune suggest-regex: error: "), r.stderr
    return lines[0]


@pytest.mark.parametrize("content,why", [
    (b"", "empty"),
    (b"\0" * 10000, "text log"),
    (bytes(range(256)) * 100, "text log"),
    (b"A" * (10 * 1024 * 1024), "longer than"),
])
def test_bad_logs(tmp_path, content, why):
    p = tmp_path / "bad.log"
    p.write_bytes(content)
    assert why in _one_line_error(run_cli("suggest-regex", p, "--failregex", SEED))


def test_binary_executable():
    assert "text log" in _one_line_error(run_cli("suggest-regex", "/bin/ls", "--match", "x"))


def test_rejected_patterns(flood_log, tmp_path):
    assert "rejected" in _one_line_error(run_cli("suggest-regex", flood_log, "--failregex", "(<HOST>"))
    _one_line_error(run_cli("suggest-regex", flood_log, "--failregex", "no failure id"))
    _one_line_error(run_cli("suggest-regex", flood_log, "--filter", "no-such-filter"))
    _one_line_error(run_cli("suggest-regex", tmp_path / "missing.log", "--match", "x"))


def test_no_anchor_is_clean(tmp_path):
    p = tmp_path / "one.log"
    p.write_text("Aug 14 11:59:01 web app[1]: bad login from 192.0.2.1\n"
                 "Aug 14 11:59:02 web app[1]: all fine\n")
    r = run_cli("suggest-regex", p, "--match", "bad login", "--no-bench")
    assert r.returncode == 3 and "Traceback" not in r.stderr
    assert "no anchor found: sample too small" in r.stdout


def test_usage_errors(flood_log):
    r = run_cli("suggest-regex", flood_log)
    assert r.returncode == 2
    r = run_cli("suggest-regex", flood_log, "--match", "a", "--failregex", "b")
    assert r.returncode == 2


def _vaultd_log(path, n=120):
    """The home-grown service log: quoted account names, bracketed IPv6, injection lines."""
    lines = []
    for i in range(n):
        addr = "[2001:db8::%x]" % (i + 1) if i % 5 == 0 else "203.0.113.%d" % (i % 250 + 1)
        acct = "x src=192.0.2.44:22 y" if i in (17, 71) else "user%d" % (i * 7 % 97)
        lines.append("2026-11-21T08:%02d:%02d.644Z edge-01 vaultd[4412]: login rejected for account=\"%s\" "
                     "src=%s:%d reason=%s" % (i // 60, i % 60, acct, addr, 20000 + i,
                                             ("bad-password", "no-such-user")[i % 2]))
        lines.append("2026-11-21T08:%02d:%02d.700Z edge-01 vaultd[4412]: login ok for account=\"ok%d\" "
                     "src=198.51.100.%d:1000" % (i // 60, i % 60, i, i % 200 + 1))
    path.write_text("\n".join(lines) + "\n")


def test_home_grown_log_generalises_and_refuses_injection(tmp_path):
    log = tmp_path / "app.log"
    _vaultd_log(log)
    target = tmp_path / "app.conf"
    r = run_cli("suggest-regex", log, "--match", "login rejected", "--write", target, "--json", "--no-bench")
    assert r.returncode == 0, r.stdout + r.stderr
    out = json.loads(r.stdout)
    assert len(out["failregex"]) == 1 and "user" not in out["failregex"][0], out["failregex"]
    assert len(out["injection_lines"]) == 2 and out["injection"]["failures"] == 0
    assert out["written"]["samples_check"] is True
    from f2btune.f2b import make_filter
    from f2btune.suggest.prove import failures
    flt = make_filter(str(target), usedns="raw")
    got = failures(flt, ['2026-11-21T09:00:00.000Z edge-01 vaultd[4412]: login rejected for account="mallory" '
                         'src=[2001:db8::99]:4000 reason=bad-password',
                         '2026-11-21T09:00:01.000Z edge-01 vaultd[4412]: login rejected for account="x src=192.0.2.44:22 y" '
                         'src=203.0.113.7:5123 reason=bad-password'])
    assert got[0] == "2001:db8::99" and got[1] in ("203.0.113.7", None)


def test_write_over_existing_file_changes_nothing_without_force(flood_log, tmp_path):
    target = tmp_path / "mine.conf"
    target.write_text("my filter\n")
    (tmp_path / "mine.sample").write_text("my sample\n")
    r = run_cli("suggest-regex", flood_log, "--match", "SRC=", "--no-bench", "--write", target)
    assert "already exist" in _one_line_error(r)
    assert target.read_text() == "my filter\n" and (tmp_path / "mine.sample").read_text() == "my sample\n"
    assert sorted(os.listdir(str(tmp_path))) == ["mine.conf", "mine.sample"]
    r = run_cli("suggest-regex", flood_log, "--match", "SRC=", "--no-bench", "--write", target, "--force")
    assert r.returncode == 0, r.stdout + r.stderr
    assert (tmp_path / "mine.conf.bak").read_text() == "my filter\n"
    assert "[Definition]" in target.read_text()


def test_fifo_input_and_target_are_refused(flood_log, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(str(fifo))
    assert "is a named pipe: f2btune reads regular files only" in _one_line_error(
        run_cli("suggest-regex", fifo, "--match", "x"))
    assert "not a regular file" in _one_line_error(
        run_cli("suggest-regex", flood_log, "--match", "SRC=", "--write", fifo, "--force"))
