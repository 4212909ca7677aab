"""Every benchmarks/ script runs as `python benchmarks/bench_x.py` on tiny input (as pyperf's own
test_examples does) and writes one pyperf benchmark per candidate and stage."""
import os
import subprocess
import sys

import pyperf
import pytest

from f2btune import flood

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPTS = {"bench_regex.py": ["regex"], "bench_filter.py": ["filter"],
           "bench_jail.py": ["jail", "jail-info"]}


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_script_runs(tmp_path, script):
    log = str(tmp_path / "tiny.log")
    flood.write_flood(log, 120, sources=8, seed=31)
    out = str(tmp_path / "out.json")
    p = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", script), "--log", log,
                        "--sample", "50", "--processes=1", "--values=1", "--warmups=1", "--loops=2",
                        "--quiet", "-o", out], capture_output=True, text=True, cwd=str(tmp_path),
                       timeout=300)
    assert p.returncode == 0, p.stderr
    suite = pyperf.BenchmarkSuite.load(out)
    names = sorted(b.get_name() for b in suite.get_benchmarks())
    from f2btune.bench.api import default_candidates
    assert names == sorted("%s %s" % (st, c.name) for st in SCRIPTS[script]
                           for c in default_candidates())
    for bench in suite.get_benchmarks():
        assert bench.get_metadata()["inner_loops"] == 50
        assert all(v > 0 for v in bench.get_values())


def test_script_under_pypy(tmp_path, pypy3):
    log = str(tmp_path / "tiny.log")
    flood.write_flood(log, 60, sources=8, seed=32)
    out = str(tmp_path / "out.json")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [ROOT, os.path.join(ROOT, ".venv", "pypy-lib"), "/usr/lib/python3/dist-packages"]))
    p = subprocess.run([pypy3, os.path.join(ROOT, "benchmarks", "bench_filter.py"), "--log", log,
                        "--regex", "kernel:.*?SRC=<HOST> ", "--processes=1", "--values=1",
                        "--warmups=1", "--loops=1", "--quiet", "-o", out],
                       capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    bench = pyperf.BenchmarkSuite.load(out).get_benchmarks()[0]
    assert bench.get_name() == "filter regex1"
    assert bench.get_metadata()["python_implementation"] == "pypy"


def test_bench_dates_runs(tmp_path, corpus_dir):
    """benchmarks/bench_dates.py: one pyperf benchmark per stamp kind and datepattern choice."""
    out = str(tmp_path / "dates.json")
    log = os.path.join(corpus_dir, "teliten-vultr", "auth.log_2022-05-29_vultr.log")
    if not os.path.isfile(log):
        pytest.skip("corpus file not found: %s" % log)
    p = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "bench_dates.py"), "--log", log,
                        "--lines", "20", "--processes=1", "--values=1", "--warmups=1", "--loops=1",
                        "--quiet", "-o", out], capture_output=True, text=True, cwd=str(tmp_path), timeout=600)
    assert p.returncode == 0, p.stderr
    names = sorted(b.get_name() for b in pyperf.BenchmarkSuite.load(out).get_benchmarks())
    assert len(names) == 12 and "iso pins+LN" in names and "rfc3164 pins" in names
