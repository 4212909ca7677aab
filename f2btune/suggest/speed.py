"""Speed of the suggested filter against the baseline: ``f2btune bench`` on the sample log.

One ``run_bench`` call per interpreter (CPython, and PyPy when ``pypy3`` is installed) times
both filters at the filter stage (pyperf, fast mode); a failure on one interpreter is reported
and does not hide the other. The speed-up is suggested /
baseline lines per second; where it is below 1 the result says why it can be.
"""
import shutil
import sys

from f2btune.errors import one_line


def _why_slower(n_regex, datepattern):
    reasons = []
    if n_regex > 1:
        reasons.append("fail2ban tries its %d failregex lines in turn on every line that passes "
                       "the prefregex" % n_regex)
    if not datepattern:
        reasons.append("no single datepattern fits the sample's stamps, so fail2ban's default "
                       "date detection runs on every line")
    reasons.append("its field classes check every field up to the address, where the baseline "
                   "skips text with .*")
    return "; ".join(reasons)


def _one(log, cands, exe, bench_fn):
    """Filter-stage rows (suggested, baseline) for one interpreter, or an error text."""
    from f2btune.bench.api import run_bench
    try:
        summary = (bench_fn or run_bench)(log, cands, stage="filter", fast=True, quiet=True, pythons=[exe])
    except Exception as e:  # never let a measurement problem hide the suggestion
        return None, one_line(e), None
    rows = [r for r in summary.get("results", []) if r.get("stage") == "filter"]
    sug = next((r for r in rows if r.get("candidate") == "suggested" and r.get("ratio") is not None), None)
    base = next((r for r in rows if r.get("candidate") == "baseline"), {})
    if sug is None:
        return None, "no filter-stage figure in the bench summary", None
    return {"python": sug.get("python"), "speedup": sug["ratio"], "lines_per_s": sug.get("lines_per_s"),
            "stdev": sug.get("stdev"), "baseline_lines_per_s": base.get("lines_per_s"),
            "baseline_stdev": base.get("stdev"), "agrees": sug.get("agrees")}, None, summary


def measure(log, baseline, path, bench_fn=None, pythons=("python3", "pypy3"), n_regex=1, datepattern=None):
    """{"speedup": first interpreter's ratio, "per_python": [...], "slower": why or None, ...}."""
    try:
        from f2btune.bench.api import Candidate
    except ImportError as e:  # the bench harness is not installed
        return {"speedup": None, "error": "bench harness not available: %s" % e}
    cands = [baseline.candidate(), Candidate.filter(path, name="suggested")]
    per, errors, sample_lines = [], [], None
    for p in pythons:
        exe = sys.executable if p == "python3" else shutil.which(p)
        if not exe:
            errors.append("%s: not installed" % p)
            continue
        row, err, summary = _one(log, cands, exe, bench_fn)
        if row:
            per.append(row)
            sample_lines = summary.get("sample_lines")
        else:
            errors.append("%s: %s" % (p, err))
    if not per:
        return {"speedup": None, "error": "; ".join(errors)}
    out = dict(per[0])
    out.update({"per_python": per, "sample_lines": sample_lines, "not_measured": errors, "error": None})
    slow = [p for p in per if p["speedup"] < 1.0]
    out["slower"] = ("slower on %s: %s" % (", ".join("%s %.2fx" % (p["python"], p["speedup"]) for p in slow),
                                           _why_slower(n_regex, datepattern)) if slow else None)
    return out
