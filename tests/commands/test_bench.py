"""``f2btune bench`` end to end through the real CLI: table, JSON, plot, projection, bad input."""
import json
import os
import sys

import pytest

from f2btune import flood
from tests.conftest import run_cli

QUICK = {"F2BTUNE_BENCH_QUICK": "1"}


@pytest.fixture(scope="module")
def small_log(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("cli-bench") / "flood.log")
    flood.write_flood(path, 300, sources=20, seed=21)
    return path


def one_line_error(p, status=1):
    assert p.returncode == status, (p.returncode, p.stderr)
    assert "Traceback" not in p.stderr
    assert p.stderr.startswith("f2btune bench: error:") and p.stderr.count("\n") == 1, p.stderr


def test_table_json_plot_projection(tmp_path, small_log, pypy3):
    out = tmp_path / "bench.json"
    png = tmp_path / "bench.png"
    p = run_cli("bench", small_log, "--stage", "filter", "--python", pypy3, "--fast", "--quiet",
                "--sample", 200, "--json", out, "--plot", png, "--project", "pi4", env=QUICK)
    assert p.returncode == 0, p.stderr
    assert "lines/s median" in p.stdout and "PROJECTED, not measured" in p.stdout
    assert "CPython" in p.stdout and "PyPy" in p.stdout
    assert "timed over the first 200" in p.stdout
    summary = json.loads(out.read_text())
    assert summary["lines"] == 300 and summary["projection"]["class"] == "pi4"
    names = [c["name"] for c in summary["candidates"]]
    assert names[0] == "seed"
    for r in summary["results"]:
        assert os.path.exists(r["pyperf_json"]) and os.path.exists(r["pyperf_json_cold"])
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_disagreeing_candidate_is_flagged_with_status_3(small_log):
    p = run_cli("bench", small_log, "--no-defaults", "--regex", r"SRC=<IP4> DST=\S+ .*DPT=22 ",
                "--stage", "regex", "--python", sys.executable,
                "--quiet", "--sample", 100, env=QUICK)
    assert p.returncode == 3, p.stderr
    assert "DIFFERS" in p.stdout and "FLAG: regex" in p.stdout


@pytest.mark.parametrize("case", ["missing", "empty", "binary", "regex", "filter", "python", "nopython"])
def test_bad_input_is_a_one_line_error(tmp_path, small_log, case):
    log = small_log
    extra = []
    if case == "missing":
        log = tmp_path / "nope.log"
    elif case == "empty":
        log = tmp_path / "empty.log"
        log.write_bytes(b"")
    elif case == "binary":
        log = tmp_path / "garbage.log"
        log.write_bytes(os.urandom(20000))
    elif case == "regex":
        extra = ["--regex", "kernel:.*SRC=(<HOST>"]
    elif case == "filter":
        extra = ["--filter", "f2btune-no-such-filter"]
    elif case == "python":
        extra = ["--python", tmp_path / "no-python-here"]
    elif case == "nopython":
        extra = ["--python", ""]
    p = run_cli("bench", log, "--quiet", *extra, env=QUICK)
    one_line_error(p)
