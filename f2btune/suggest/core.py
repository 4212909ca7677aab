"""The suggest-regex pipeline: baseline -> positives -> date -> anchor -> proof -> speed-up."""
import functools
import os
import re
import shutil
import tempfile

from f2btune.errors import InputError
from f2btune.suggest import build, dates, inject, logread, prove, writer

SUGGESTED_NAME = "f2btune-suggested"
MAX_INJECT_LINES = 40
MAX_LEARN = 3000
USEDNS = "raw"  # <HOST> may match names, never resolved: the proof compares the text extracted


def one_line(e):
    return " ".join(str(e).split())


class Baseline(object):
    """What the user's current setup matches: a failregex, a filter, or lines with a text."""

    def __init__(self, failregex=None, filter_spec=None, match=None, confdir=None):
        given = [x for x in (failregex, filter_spec, match) if x]
        if len(given) != 1:
            raise InputError("give exactly one of --failregex, --filter or --match")
        self.confdir = confdir
        self.filter_spec = filter_spec
        if match is not None:
            if not match.strip():
                raise InputError("--match needs a non-empty text")
            # the naive regex a user would write: the text, then the first address after it
            self.failregex = build.lit(match) + ".*?<ADDR>"
            self.describe = "lines containing %r (address: the first one after it)" % match
        else:
            self.failregex = failregex
            self.describe = ("failregex %s" % failregex) if failregex else ("filter %s" % filter_spec)

    def make(self, usedns=USEDNS):
        from f2btune.f2b import make_filter
        try:
            if self.filter_spec:
                return make_filter(self.filter_spec, confdir=self.confdir, usedns=usedns)
            return make_filter(failregex=self.failregex, usedns=usedns)
        except InputError as e:
            raise InputError(one_line(e))

    def candidate(self):
        from f2btune.bench.api import Candidate
        if self.filter_spec:
            return Candidate.filter(self.filter_spec, name="baseline", confdir=self.confdir)
        return Candidate.regex(self.failregex, name="baseline")


def _written_form(line, host):
    """The text in ``line`` that fail2ban normalised to ``host`` (IPv6 zeros, ...), or None."""
    for m in re.finditer(r"[0-9A-Fa-f:.]{2,}", line):
        found = _find_in_run(m.group(), host)
        if found:
            return found
    return None


@functools.lru_cache(maxsize=4096)
def _find_in_run(run, host):
    import ipaddress
    try:
        want = ipaddress.ip_address(host)
    except ValueError:
        return None
    parts = run.split(":")
    for i in range(len(parts)):
        for j in range(i + 1, min(len(parts), i + 8) + 1):
            text = ":".join(parts[i:j]).strip(".")
            try:
                if ipaddress.ip_address(text) == want:
                    return text
            except ValueError:
                continue
    return None


def _spread(items, n):
    if len(items) <= n:
        return list(items)
    step = len(items) / float(n)
    return [items[int(i * step)] for i in range(n)]


def _candidate_filter(workdir, sug, choice):
    """Write the suggestion as a filter file under workdir/filter.d; return its path."""
    d = os.path.join(workdir, "filter.d")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, SUGGESTED_NAME + ".conf")
    text = ["[Definition]"]
    if sug.prefregex:
        text.append("prefregex = " + writer.conf_value(sug.prefregex))
    text.append("failregex = " + "\n            ".join(writer.conf_value(r) for r in sug.failregex))
    text.append("datepattern = " + "\n              ".join(writer.conf_value(p) for p in choice.patterns))
    with open(path, "w") as f:
        f.write("\n".join(text) + "\n")
    return path


def _try(sug, choice, workdir, lines, base):
    from f2btune.f2b import make_filter
    path = _candidate_filter(workdir, sug, choice)
    try:
        flt = make_filter(path, usedns=USEDNS)
    except InputError as e:
        raise build.NoAnchor("fail2ban rejects the regex built from this sample: %s" % one_line(e))
    cand = prove.failures(flt, lines)
    return path, cand, prove.summary(base, cand, lines)


def _injection(path, baseline, positives):
    from f2btune.f2b import make_filter
    flt_c = make_filter(path, usedns=USEDNS)
    flt_b = baseline.make()
    tried, bad, bad_base, safe = 0, [], 0, []
    for p in _spread(positives, MAX_INJECT_LINES):
        vs = inject.variants(p.line, p.host)
        if not vs:
            continue
        got_c = prove.failures(flt_c, [v for v, _ in vs])
        got_b = prove.failures(flt_b, [v for v, _ in vs])
        for (v, inj), c, b in zip(vs, got_c, got_b):
            tried += 1
            if c == inj:
                bad.append(v)
            else:
                safe.append((v, c))
            if b == inj:
                bad_base += 1
    return {"variants": tried, "failures": len(bad), "baseline_failures": bad_base,
            "examples": bad[:5]}, safe


def suggest(log, failregex=None, filter_spec=None, match=None, confdir=None, bench=True,
            write=None, bench_fn=None):
    """Run the whole pipeline; return the result dict (see ``f2btune suggest-regex --json``)."""
    from f2btune.f2b import ensure_importable, quiet_logging
    ensure_importable()
    quiet_logging()
    baseline = Baseline(failregex, filter_spec, match, confdir)
    sample = logread.read_log(log)
    lines = sample.lines
    base_flt = baseline.make()
    base = prove.failures(base_flt, lines)
    result = {
        "log": log, "lines": len(lines), "baseline": baseline.describe,
        "baseline_matched": sum(1 for h in base if h is not None), "matched": 0,
        "datepattern": None, "date_format": None, "prefregex": None, "failregex": [],
        "anchor": None, "equivalent": False, "hosts_equal": False, "speedup": None,
        "no_anchor": None, "mismatches": [], "notes": sample.notes(),
        "injection": {"variants": 0, "failures": 0, "baseline_failures": 0, "examples": []},
        "bench": None, "written": None,
    }
    positives = [build.Positive(i, lines[i], None, h) for i, h in enumerate(base) if h is not None]
    for p in positives:
        if p.host not in p.line:
            p.host = _written_form(p.line, p.host) or p.host
    elsewhere = [p for p in positives if p.host not in p.line]
    if elsewhere:
        result["notes"].append(
            "%d matching line(s) report an address that is not written as such in the line "
            "(a multi-line filter, or part of another field read as an address); a single-line "
            "filter cannot reproduce them" % len(elsewhere))
        positives = [p for p in positives if p.host in p.line]
    if not positives:
        result["no_anchor"] = (
            "the address the baseline reports is not written in any of its %d matching lines"
            % result["baseline_matched"] if result["baseline_matched"] else
            "the baseline matches none of the %d lines: nothing to learn from" % len(lines))
        return result
    # learn from a spread of at most MAX_LEARN positives; the proof runs over every line
    learn = _spread(positives, MAX_LEARN)
    positives_by_index = {p.index: p for p in positives}
    choice = dates.detect([p.line for p in learn])
    result["datepattern"], result["date_format"] = choice.datepattern, choice.name
    dd = choice.detector()
    for p in learn:
        p.content = dates.split(dd, p.line)[1]
    workdir = tempfile.mkdtemp(prefix="f2btune-suggest-%d-" % os.getpid())
    try:
        try:
            best = None
            for tails, strict in (("stem", False), ("full", False), ("full", True)):
                sug = build.suggest(learn, tails=tails, strict=strict)
                path, cand, summ = _try(sug, choice, workdir, lines, base)
                if best is None or len(summ["mismatches"]) < len(best[3]["mismatches"]):
                    best = (sug, path, cand, summ)
                if summ["equivalent"]:
                    break
            sug, path, cand, summ = best
            missed = [positives_by_index[m.index] for m in summ["mismatches"]
                      if m.candidate is None and m.index in positives_by_index]
            if missed and len(learn) < len(positives):
                # shapes the spread did not see: learn them too, once
                learn = learn + [p for p in _spread(missed, 500) if p not in learn]
                for p in learn:
                    if p.content is None:
                        p.content = dates.split(dd, p.line)[1]
                for tails, strict in (("stem", False), ("full", False), ("full", True)):
                    sug2 = build.suggest(learn, tails=tails, strict=strict)
                    path2, cand2, summ2 = _try(sug2, choice, workdir, lines, base)
                    if len(summ2["mismatches"]) < len(summ["mismatches"]):
                        sug, path, cand, summ = sug2, path2, cand2, summ2
                    if summ2["equivalent"]:
                        break
            path = _candidate_filter(workdir, sug, choice)
        except build.NoAnchor as e:
            result["no_anchor"] = str(e)
            return result
        result.update({
            "prefregex": sug.prefregex, "failregex": sug.failregex, "anchor": sug.anchor or None,
            "head": sug.head, "shapes": sug.shapes, "matched": summ["matched"],
            "hosts_equal": summ["hosts_equal"],
            "mismatches": [{"line_no": m.index + 1, "line": m.line[:300], "baseline": m.baseline,
                            "suggested": m.candidate} for m in summ["mismatches"][:20]],
            "mismatch_count": len(summ["mismatches"]),
        })
        inj, safe = _injection(path, baseline, positives)
        result["injection"] = inj
        result["equivalent"] = summ["equivalent"] and inj["failures"] == 0
        # failJSON samples: a few members of every shape, some negatives, safe variants
        samples, seen = [], set()
        firsts = [m for group in sug.members for m in group[:2]]
        for p in firsts + _spread(positives, 30):
            if p.index not in seen:
                seen.add(p.index)
                samples.append({"line": p.line, "host": cand[p.index]})
        negatives = [i for i, (b, c) in enumerate(zip(base, cand)) if b is None and c is None]
        for i in _spread(negatives, 10):
            samples.append({"line": lines[i], "host": None})
        for v, c in safe[:8]:
            samples.append({"line": v, "host": c})
        result["_samples"] = samples
        if bench and result["equivalent"]:
            result["bench"] = _bench(log, baseline, path, bench_fn)
            result["speedup"] = result["bench"].get("speedup")
        result["filter_text"] = writer.filter_text(result, SUGGESTED_NAME)
        if write:
            result["written"] = _write(result, write)
        return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _bench(log, baseline, path, bench_fn=None):
    """Speed-up of the suggestion over the baseline at the filter stage (bench harness)."""
    try:
        from f2btune.bench.api import Candidate, run_bench
    except ImportError as e:  # the bench harness is not installed
        return {"speedup": None, "error": "bench harness not available: %s" % e}
    try:
        summary = (bench_fn or run_bench)(log, [baseline.candidate(),
                                                Candidate.filter(path, name="suggested")],
                                          stage="filter", fast=True, quiet=True)
    except Exception as e:  # never let a measurement problem hide the suggestion
        return {"speedup": None, "error": one_line(e)}
    rows = [r for r in summary.get("results", []) if r.get("candidate") == "suggested"
            and r.get("stage") == "filter"]
    base_rows = [r for r in summary.get("results", []) if r.get("candidate") == "baseline"
                 and r.get("stage") == "filter"]
    if not rows or rows[0].get("ratio") is None:
        return {"speedup": None, "error": "no filter-stage figure in the bench summary"}
    r, b = rows[0], (base_rows[0] if base_rows else {})
    return {"speedup": r["ratio"], "python": r.get("python"), "lines_per_s": r.get("lines_per_s"),
            "stdev": r.get("stdev"), "baseline_lines_per_s": b.get("lines_per_s"),
            "baseline_stdev": b.get("stdev"), "agrees": r.get("agrees"), "sample_lines": summary.get("sample_lines")}


def _write(result, path):
    """Write the filter file and a failJSON sample beside it; check them with samplestestcase."""
    from f2btune.suggest.samples import check_samples
    name = os.path.splitext(os.path.basename(path))[0]
    if not name or not re.match(r"^[\w.-]+$", name):
        raise InputError("--write needs a file name like my-filter.conf, got %r" % path)
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise InputError("directory for --write does not exist: %s" % parent)
    sample_path = os.path.join(parent, name + ".sample")
    text = writer.filter_text(result, name)
    try:
        with open(path, "w") as f:
            f.write(text)
        with open(sample_path, "w") as f:
            f.write(writer.sample_text(result, name))
    except OSError as e:
        raise InputError("cannot write %s: %s" % (path, e.strerror or e))
    ok, out = check_samples(path, sample_path) if path.endswith(".conf") else (None, "")
    return {"filter": path, "sample": sample_path, "samples_check": ok,
            "samples_check_output": None if ok else out[-2000:]}
