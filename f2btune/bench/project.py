"""``--project pi-zero|pi3|pi4|pi5``: a labelled projected range for a Raspberry Pi class.

Method (never mixed with measured figures):

1. Calibration, measured in the same invocation: pyperf times fail2ban's ``Filter.processLine``
   with the seed failregex over a fixed generated flood (CALIBRATION_LINES lines of
   ``f2btune flood`` with its defaults) on the first non-JIT interpreter.  Dividing its
   microseconds per line by the same benchmark on the reference machine (REFERENCE) gives how
   much slower this machine is than the reference: the machine factor.
2. Published ratios place each Pi class relative to the reference machine (ranges, SOURCES).
3. projected lines/s = measured lines/s x machine factor / (Pi slowdown range).

The reference machine is the 2-core x86-64 VM (Debian 12, CPython 3.11.2, PyPy 7.3.11) on which
f2btune's research measured the ratios below.  The ranges carry only the spread of the published
ratios (plus a stated margin where a ratio comes from a non-Python benchmark); thermals, the CPU
governor (``powersave`` can cost 2.5x), SD-card I/O and memory pressure are not in them.
"""
import os

CALIBRATION_LINES = 5000
CALIBRATION_CANDIDATE = "seed"

# The calibration benchmark on the reference machine: microseconds per line, the lowest pyperf
# median of 3 runs of `python -m f2btune.bench.project --measure-reference` (10.72, 10.88, 11.11;
# f2btune 0.1.0, fail2ban 1.0.2, CPython 3.11.2, 2026-11-22, 2-core x86-64 VM, load average ~2.5
# from concurrent builds).  A calibration constant, not a benchmark result.
REFERENCE = {
    "us_per_line": 10.72,
    "machine": "2-core x86-64 VM, Debian 12, CPython 3.11.2 (f2btune research machine)",
    "measured": "2026-11-22",
}

# How many times slower than the reference machine, as (low, high).
_PI5 = (2.6, 2.9)
_SYSBENCH = {"pi5": 2737.0, "pi4": 1478.0, "pi3": 687.0}  # single-core events/s
SYSBENCH_MARGIN = 1.2  # sysbench (integer prime search) -> CPython transfer: assumed +-20 %


def _via_sysbench(cls):
    r = _SYSBENCH["pi5"] / _SYSBENCH[cls]
    return (_PI5[0] * r / SYSBENCH_MARGIN, _PI5[1] * r * SYSBENCH_MARGIN)


CLASSES = {
    "pi5": {
        "label": "Raspberry Pi 5 (Cortex-A76, 2.4 GHz, 64-bit)",
        "slower": _PI5,
        "pypy": True,
        "basis": "pyperformance regex benchmarks, same CPython build: Pi 5 1.4-1.6x slower than an "
                 "i5-8400; the reference machine is ~1.8x faster than that i5",
    },
    "pi4": {
        "label": "Raspberry Pi 4 (Cortex-A72, 1.5-1.8 GHz)",
        "slower": _via_sysbench("pi4"),
        "pypy": True,
        "basis": "Pi 5 range x sysbench single-core ratio (Pi 5 2737 / Pi 4 1478 events/s), "
                 "widened by +-20 % for the benchmark transfer",
    },
    "pi3": {
        "label": "Raspberry Pi 3B+ (Cortex-A53, 1.4 GHz)",
        "slower": _via_sysbench("pi3"),
        "pypy": True,
        "basis": "Pi 5 range x sysbench single-core ratio (Pi 5 2737 / Pi 3B+ 687 events/s), "
                 "widened by +-20 % for the benchmark transfer",
    },
    "pi-zero": {
        "label": "Raspberry Pi Zero / 1 (ARM1176, 0.7-1 GHz, ARMv6)",
        "slower": (25.0, 75.0),
        "pypy": False,
        "basis": "instructions per line under qemu-arm -cpu arm1176 with Debian armel CPython "
                 "(1.0-1.35x x86's; fail2ban Filter ~144k instructions/line) at an assumed IPC of "
                 "0.3-0.6 and 0.7-1 GHz",
        "pypy_note": "no projection for PyPy: Debian's armel pypy3 has no JIT (6.4x CPython's "
                     "instructions), the armhf build needs ARMv7",
    },
}
SOURCES = ("f2btune research notes, measuring.md ('Projecting to a Raspberry Pi'): pyperformance "
           "results for the Pi 5 and i5-8400, sysbench cpu single-core results for Pi 3B+/4/5, "
           "qemu-arm instruction counts for the ARM1176")


def class_names():
    return sorted(CLASSES)


def calibration_log(workdir):
    """Write the fixed calibration input (deterministic) into ``workdir``; returns its path."""
    from f2btune.flood import write_flood
    path = os.path.join(workdir, "calibration-flood.log")
    write_flood(path, CALIBRATION_LINES)
    return path


def calibration_job_factory(interp):
    """A harness job factory for the calibration benchmark on ``interp``."""
    from f2btune.bench.candidates import Candidate
    from f2btune.bench.harness import Job
    from f2btune.seed import SEED_REGEX

    def factory(workdir, index):
        cand = Candidate.regex(SEED_REGEX, name="calibration")
        return Job(cand, "filter", interp, "warm", calibration_log(workdir), CALIBRATION_LINES,
                   workdir, index)
    return factory


def project(cls, calibration, results):
    """The projection block of the summary for class ``cls``."""
    info = CLASSES[cls]
    factor = calibration["us_per_line"] / REFERENCE["us_per_line"]
    lo_slow, hi_slow = info["slower"]
    rows = []
    for r in results:
        row = {"candidate": r["candidate"], "stage": r["stage"], "python": r["python"]}
        if r.get("jit") and not info["pypy"]:
            row["na"] = info.get("pypy_note", "not projected")
        else:
            at_reference = r["lines_per_s"] * factor
            row["low"] = at_reference / hi_slow
            row["high"] = at_reference / lo_slow
        rows.append(row)
    return {
        "class": cls,
        "label": info["label"],
        "projected": True,
        "slower_than_reference": [lo_slow, hi_slow],
        "basis": info["basis"],
        "sources": SOURCES,
        "reference": dict(REFERENCE),
        "calibration": {
            "us_per_line": calibration["us_per_line"],
            "us_per_line_stdev": calibration["us_per_line_stdev"],
            "pyperf_json": calibration["pyperf_json"],
            "machine_factor": factor,
        },
        "rows": rows,
    }


def format_projection(p, results=None):
    out = ["PROJECTED, not measured: %s" % p["label"]]
    c = p["calibration"]
    out.append("  calibration here %.2f us/line vs reference %.2f us/line -> this machine is %.2fx the "
               "reference's time per line; class is %.1f-%.1fx slower than the reference"
               % (c["us_per_line"], p["reference"]["us_per_line"], c["machine_factor"],
                  p["slower_than_reference"][0], p["slower_than_reference"][1]))
    out.append("  basis: %s" % p["basis"])
    width = max([len(r["candidate"]) for r in p["rows"]] + [9])
    for r in p["rows"]:
        if "na" in r:
            fig = "n/a (%s)" % r["na"]
        else:
            fig = "{:,.0f} - {:,.0f} lines/s (projected)".format(r["low"], r["high"])
        out.append("  %-*s  %-9s  %-22s  %s" % (width, r["candidate"], r["stage"], r["python"], fig))
    return out


def _measure_reference():  # pragma: no cover - run by hand on the reference machine
    """Print the calibration benchmark's figure on this machine (to refresh REFERENCE)."""
    import sys
    from f2btune.bench import harness, interpreters
    interp = interpreters.probe(sys.executable)
    workdir, _ = harness.make_workdir(None)
    try:
        job = calibration_job_factory(interp)(workdir, 1)
        fig = harness.load_figures(job.run(fast=False))
        print("calibration: %.3f us/line (sd %.3f, %d values)"
              % (fig["us_per_line"], fig["us_per_line_stdev"], fig["values"]))
    finally:
        harness.remove_workdir(workdir)


if __name__ == "__main__":  # pragma: no cover
    import sys
    if sys.argv[1:] == ["--measure-reference"]:
        _measure_reference()
    else:
        print("usage: python -m f2btune.bench.project --measure-reference")
