"""Speed of the suggested filter against the baseline: ``f2btune bench`` on the sample log.

One ``run_bench`` call times both filters at the filter stage (pyperf, fast mode) on every
interpreter found (CPython, and PyPy when ``pypy3`` is installed). The speed-up is suggested /
baseline lines per second; where it is below 1 the result says why it can be.
"""
import shutil
import sys

from f2btune.suggest.attempt import one_line


def _interpreters(pythons):
    out = []
    for p in pythons:
        exe = sys.executable if p == "python3" else shutil.which(p)
        if exe:
            out.append(exe)
    return out


def _why_slower(n_regex, baseline_rows):
    reasons = ["the suggested filter has %d failregex line(s) fail2ban tries in turn on every line "
               "that passes the prefregex" % n_regex]
    reasons.append("anchored field classes check the whole line where the baseline may stop at "
                   "its first match")
    return "; ".join(reasons)


def measure(log, baseline, path, bench_fn=None, pythons=("python3", "pypy3"), n_regex=1):
    """{"speedup": CPython ratio, "per_python": [...], "slower": why or None, "error": ...}."""
    try:
        from f2btune.bench.api import Candidate, run_bench
    except ImportError as e:  # the bench harness is not installed
        return {"speedup": None, "error": "bench harness not available: %s" % e}
    interps = _interpreters(pythons)
    missing = [p for p in pythons if p != "python3" and not shutil.which(p)]
    try:
        summary = (bench_fn or run_bench)(log, [baseline.candidate(), Candidate.filter(path, name="suggested")],
                                          stage="filter", fast=True, quiet=True, pythons=interps)
    except Exception as e:  # never let a measurement problem hide the suggestion
        return {"speedup": None, "error": one_line(e)}
    rows = [r for r in summary.get("results", []) if r.get("stage") == "filter"]
    per = []
    for r in rows:
        if r.get("candidate") != "suggested" or r.get("ratio") is None:
            continue
        b = next((x for x in rows if x.get("candidate") == "baseline" and x.get("python") == r.get("python")), {})
        per.append({"python": r.get("python"), "speedup": r["ratio"], "lines_per_s": r.get("lines_per_s"),
                    "stdev": r.get("stdev"), "baseline_lines_per_s": b.get("lines_per_s"),
                    "baseline_stdev": b.get("stdev"), "agrees": r.get("agrees")})
    if not per:
        return {"speedup": None, "error": "no filter-stage figure in the bench summary"}
    first = per[0]
    out = dict(first)
    out.update({"per_python": per, "sample_lines": summary.get("sample_lines"),
                "not_measured": ["%s (not installed)" % m for m in missing], "error": None})
    slow = [p for p in per if p["speedup"] < 1.0]
    out["slower"] = ("slower on %s: %s" % (", ".join("%s %.2fx" % (p["python"], p["speedup"]) for p in slow),
                                           _why_slower(n_regex, rows)) if slow else None)
    return out
