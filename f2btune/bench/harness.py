"""Running the benchmark: the counting pass, one pyperf run per (candidate, stage, python), the summary.

Per interpreter, pyperf's settings (documented in ``f2btune bench --help``):

- CPython: ``--fast`` 3 processes x 3 values after 1 warm-up, otherwise 10 x 3; loops calibrated.
- PyPy (JIT): pyperf itself runs under pypy3; ``--fast`` 2 processes x 3 values after 1 warm-up
  value, otherwise 6 x 10 after 3 (pyperf's JIT defaults); before those, each worker makes
  untimed passes until JIT_WARMUP_LINES lines went through (30 000 with ``--fast``, 50 000
  otherwise: pyperf 2.8+ does not calibrate JIT warm-ups, and fail2ban's Filter under PyPy needs
  a few 10 000 lines to reach its warm speed).
- Cold: a second pyperf run with 1 loop, 0 warm-ups, 1 value per fresh process (2, or 6 without
  ``--fast``): the first pass over the sample in a new process, i.e. a short flood hitting a server.

Each run's pyperf JSON is kept; every figure of the summary is read back from those files.
"""
import json
import os
import shutil
import subprocess
import tempfile
import time

from f2btune.errors import DependencyError, InputError
from f2btune.bench import counting, logs
from f2btune.bench import stages as stages_mod

WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "worker.py")
JIT_WARMUP_LINES = {True: 30000, False: 50000}  # by fast
SAMPLE_FAST = 10000
SAMPLE_FULL = 100000
# F2BTUNE_BENCH_QUICK=1 shrinks pyperf's processes/values to the minimum (used by the test suite)
QUICK_ENV = "F2BTUNE_BENCH_QUICK"


def expand_stages(stage):
    """'all' -> every stage; 'jail' -> the jail stage with loglevel NOTICE and INFO."""
    names = [stage] if isinstance(stage, str) else list(stage)
    out = []
    for name in names:
        if name == "all":
            add = list(stages_mod.STAGES)
        elif name == "jail":
            add = ["jail", "jail-info"]
        elif name in stages_mod.STAGES:
            add = [name]
        else:
            raise InputError("unknown stage %r (known: regex, filter, jail, all)" % name)
        out.extend(s for s in add if s not in out)
    return out


def pyperf_options(interp, fast, mode, sample_lines):
    """pyperf command-line options for one run (see the module docstring)."""
    quick = os.environ.get(QUICK_ENV, "") not in ("", "0")
    if mode == "cold":
        procs = 1 if quick else (2 if fast else 6)
        return ["--loops=1", "--warmups=0", "--values=1", "--processes=%d" % procs]
    if interp.jit:
        # plus the worker's untimed JIT warm-up passes (JIT_WARMUP_LINES lines)
        procs, values, warmups = (1, 2, 1) if quick else ((2, 3, 1) if fast else (6, 10, 3))
    else:
        procs, values = (1, 2) if quick else ((3, 3) if fast else (10, 3))
        warmups = 1
    return ["--processes=%d" % procs, "--values=%d" % values, "--warmups=%d" % warmups]


def jit_warmup_lines(fast):
    """Lines of untimed passes a JIT worker makes before pyperf's warm-ups (small when quick)."""
    if os.environ.get(QUICK_ENV, "") not in ("", "0"):
        return 2000
    return JIT_WARMUP_LINES[bool(fast)]


class Job(object):
    """One pyperf benchmark: (candidate, stage, interpreter, mode) -> a pyperf JSON file."""

    def __init__(self, candidate, stage, interp, mode, log, sample_lines, outdir, index):
        self.candidate = candidate
        self.stage = stage
        self.interp = interp
        self.mode = mode
        self.log = log
        self.sample_lines = sample_lines
        slug = "%02d-%s-%s-%s-%s" % (index, _slug(candidate.name), stage,
                                     _slug(interp.label), mode)
        self.name = "%s | %s | %s%s" % (candidate.name, stage, interp.label,
                                        " | cold" if mode == "cold" else "")
        self.json_path = os.path.join(outdir, slug + ".json")
        self.spec_path = os.path.join(outdir, slug + ".spec.json")

    def command(self, fast):
        return ([self.interp.exe, WORKER, "--f2btune-spec", self.spec_path, "--quiet",
                 "--output", self.json_path]
                + pyperf_options(self.interp, fast, self.mode, self.sample_lines)
                # pyperf clears the environment; TZ changes fail2ban's per-line date cost
                + (["--inherit-environ=TZ"] if "TZ" in self.interp.env else []))

    def run(self, fast, timeout=3600):
        with open(self.spec_path, "w") as f:
            json.dump({"name": self.name, "log": self.log, "sample_lines": self.sample_lines,
                       "stage": self.stage, "mode": self.mode, "jit_warmup_lines": jit_warmup_lines(fast),
                       "candidate": self.candidate.to_dict()}, f)
        if os.path.exists(self.json_path):
            os.unlink(self.json_path)
        proc = subprocess.run(self.command(fast), capture_output=True, text=True,
                              env=self.interp.env, timeout=timeout)
        if proc.returncode != 0 or not os.path.exists(self.json_path):
            lines = [l for l in (proc.stderr + proc.stdout).strip().splitlines() if l.strip()]
            raise DependencyError("pyperf run %r failed under %s: %s"
                                  % (self.name, self.interp.exe, lines[-1] if lines else
                                     "exit status %d" % proc.returncode))
        os.unlink(self.spec_path)
        return self.json_path


def _slug(text):
    out = "".join(c if c.isalnum() or c in "-." else "_" for c in text)
    return out.strip("_")[:40] or "x"


def load_figures(path):
    """Median/stdev of a pyperf JSON (seconds per line) as lines per second, with pyperf facts."""
    import pyperf
    bench = pyperf.Benchmark.load(path)
    values = bench.get_values()
    median = bench.median()
    stdev = bench.stdev() if len(values) > 1 else 0.0
    runs = [r for r in bench.get_runs() if r.values]
    meta = bench.get_metadata()
    return {
        "lines_per_s": 1.0 / median,
        "stdev": (stdev / median) / median,  # spread of 1/value, first order
        "us_per_line": median * 1e6,
        "us_per_line_stdev": stdev * 1e6,
        "values": len(values),
        "processes": len(runs),
        "loops": meta.get("loops"),
        "warmups": len(runs[0].warmups) if runs and runs[0].warmups else 0,
        "python_implementation": meta.get("python_implementation"),
        "python_version": meta.get("python_version"),
    }


def sample_size(fast, sample_lines):
    if sample_lines is not None:
        if sample_lines < 0:
            raise InputError("--sample must be >= 0 (0 = the whole log)")
        return sample_lines
    return SAMPLE_FAST if fast else SAMPLE_FULL


def run(log, candidates, stages, interps, fast=True, sample_lines=None, workdir=None,
        progress=None, extra_jobs=()):
    """Count, then time every (interpreter, stage, candidate) in warm and cold mode.

    Returns ``(lines, sample, counts, figures)`` where ``figures[(cand, stage, python, mode)]`` are
    the pyperf-derived figures and ``counts`` is the per-candidate counting result.
    ``extra_jobs`` are ``(key, Job-factory)`` pairs run after the others (the projection's
    calibration benchmark).
    """
    log = os.path.abspath(logs.check_log(log))
    if not candidates:
        raise InputError("no candidate to benchmark")
    for c in candidates:
        c.validate()
    names = [c.name for c in candidates]
    if len(set(names)) != len(names):
        raise InputError("candidate names must be distinct: %s" % ", ".join(names))
    t0 = time.time()
    lines, counts = counting.count_log(log, candidates)
    if lines == 0:
        raise InputError("log has no lines: %s" % log)
    if progress:
        progress("counted %d lines for %d candidate(s) in %.1f s" % (lines, len(candidates),
                                                                     time.time() - t0))
    cap = sample_size(fast, sample_lines)
    sample = lines if not cap else min(cap, lines)
    jobs = []
    for interp in interps:
        for stage in stages:
            for cand in candidates:
                for mode in ("warm", "cold"):
                    jobs.append(Job(cand, stage, interp, mode, log, sample, workdir, len(jobs) + 1))
    for key, factory in extra_jobs:
        jobs.append((key, factory(workdir, len(jobs) + 1)))
    figures = {}
    for i, job in enumerate(jobs, 1):
        key = None
        if isinstance(job, tuple):
            key, job = job
        t0 = time.time()
        path = job.run(fast)
        if progress:
            progress("[%d/%d] %s (%.1f s)" % (i, len(jobs), job.name, time.time() - t0))
        fig = load_figures(path)
        fig["pyperf_json"] = path
        figures[key or (job.candidate.name, job.stage, job.interp.label, job.mode)] = fig
    return lines, sample, counts, figures


def make_workdir(json_path):
    """Where pyperf JSON files go: beside --json (kept) or a temp dir (removed by the caller)."""
    if json_path:
        base = json_path[:-5] if json_path.endswith(".json") else json_path
        d = base + "-pyperf"
        if os.path.isdir(d):
            for name in os.listdir(d):
                if name.endswith(".json"):
                    os.unlink(os.path.join(d, name))
        try:
            os.makedirs(d, exist_ok=True)
        except OSError as e:
            raise InputError("cannot create %s: %s" % (d, e.strerror or e))
        return d, False
    return tempfile.mkdtemp(prefix="f2btune-bench-%d-" % os.getpid()), True


def remove_workdir(path):
    shutil.rmtree(path, ignore_errors=True)

