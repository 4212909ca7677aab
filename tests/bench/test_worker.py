"""The pyperf script itself: worker processes, inner loops = lines, metadata; under pypy3 too."""
import sys

import pyperf

from f2btune.bench import harness
from f2btune.bench.api import SEED_REGEX
from f2btune.bench.candidates import Candidate
from f2btune.bench.interpreters import probe


def run_worker(exe, tmp_path, log, stage, mode="warm", nlines=100):
    interp = probe(exe)
    job = harness.Job(Candidate.regex(SEED_REGEX, name="seed"), stage, interp, mode, log, nlines,
                      str(tmp_path), 1)
    return pyperf.Benchmark.load(job.run(fast=True))


def test_cpython_filter_stage(tmp_path, flood_log):
    bench = run_worker(sys.executable, tmp_path, flood_log[0], "filter")
    meta = bench.get_metadata()
    assert meta["inner_loops"] == 100 and meta["f2btune_stage"] == "filter"
    assert meta["f2btune_candidate"] == "seed" and meta["python_implementation"] == "cpython"
    assert meta["loops"] >= 1 and all(v > 0 for v in bench.get_values())
    assert len(bench.get_runs()) >= 2  # pyperf's calibration run + worker run(s)


def test_cold_run_is_one_pass_per_process(tmp_path, flood_log):
    bench = run_worker(sys.executable, tmp_path, flood_log[0], "jail", mode="cold")
    runs = [r for r in bench.get_runs() if r.values]
    assert all(len(r.values) == 1 and not r.warmups for r in runs)
    assert bench.get_metadata()["loops"] == 1


def test_pypy_runs_pyperf_itself(tmp_path, flood_log, pypy3):
    bench = run_worker(pypy3, tmp_path, flood_log[0], "regex")
    meta = bench.get_metadata()
    assert meta["python_implementation"] == "pypy"
    assert meta["f2btune_jit_warmup_lines"] > 0
