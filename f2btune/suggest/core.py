"""The suggest-regex pipeline: baseline -> positives -> date -> shapes -> proof -> held-out -> speed."""
import functools
import os
import re
import shutil
import tempfile

from f2btune.errors import InputError, one_line
from f2btune.suggest import attempt, build, dates, heldout, inject, logread, prove, writer
from f2btune.suggest.attempt import SUGGESTED_NAME, USEDNS

MAX_LEARN = 3000
PYTHONS = ("python3", "pypy3")   # interpreters the speed-up is measured on


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


def _positives(lines, base, result):
    positives = [build.Positive(i, lines[i], None, h, h) for i, h in enumerate(base) if h is not None]
    for p in positives:
        if p.host not in p.line:
            p.host = _written_form(p.line, p.host) or p.host
    elsewhere = [p for p in positives if p.host not in p.line]
    if elsewhere:
        result["notes"].append(
            "%d matching line(s) report an address that is not written as such in the line "
            "(a multi-line filter, or part of another field read as an address); a single-line "
            "filter cannot reproduce them" % len(elsewhere))
    return [p for p in positives if p.host in p.line]


def _new_result(log, lines, baseline, base, sample):
    return {
        "log": log, "lines": len(lines), "baseline": baseline.describe,
        "baseline_matched": sum(1 for h in base if h is not None), "matched": 0,
        "datepattern": None, "date_format": None, "prefregex": None, "failregex": [],
        "anchor": None, "equivalent": False, "hosts_equal": False, "speedup": None,
        "no_anchor": None, "mismatches": [], "notes": sample.notes(),
        "injection": {"variants": 0, "failures": 0, "baseline_failures": 0, "examples": [],
                      "near_miss_variants": 0, "near_miss_taken": 0, "lines": 0, "lines_taken": 0},
        "injection_lines": [], "generalised_unseen": [], "heldout": None,
        "bench": None, "written": None,
    }


def suggest_filter(log, failregex=None, filter_spec=None, match=None, confdir=None, bench=True,
                   write=None, force=False, bench_fn=None, pythons=PYTHONS):
    """Run the whole pipeline; return the result dict (see ``f2btune suggest-regex --json``)."""
    from f2btune.f2b import ensure_importable, quiet_logging
    ensure_importable()
    quiet_logging()
    baseline = Baseline(failregex, filter_spec, match, confdir)
    if write:
        writer.targets(write, force)    # refuse before the work, not after it
    sample = logread.read_log(log)
    lines = sample.lines
    base = prove.failures(baseline.make(), lines)
    result = _new_result(log, lines, baseline, base, sample)
    positives = _positives(lines, base, result)
    if not positives:
        result["no_anchor"] = (
            "the address the baseline reports is not written in any of its %d matching lines"
            % result["baseline_matched"] if result["baseline_matched"] else
            "the baseline matches none of the %d lines: nothing to learn from" % len(lines))
        return result
    learn = _spread(positives, MAX_LEARN)
    choice = dates.for_filter([p.line for p in learn], [l for l, b in zip(lines, base) if b is None])
    result["datepattern"], result["date_format"] = choice.datepattern, choice.name
    dd = choice.detector()
    for p in positives:
        p.content = dates.split(dd, p.line)[1]
    workdir = tempfile.mkdtemp(prefix="f2btune-suggest-%d-" % os.getpid())
    try:
        try:
            best = _search(learn, positives, choice, workdir, lines, base, baseline.make())
        except build.NoAnchor as e:
            result["no_anchor"] = str(e)
            return result
        _describe(result, best, baseline, positives)
        result["heldout"] = heldout.heldout([p for p in positives if p.rest is not None], choice,
                                            workdir, best.mode)
        result["_samples"] = _samples(best, lines, base, positives)
        if bench and result["equivalent"]:
            from f2btune.suggest import speed
            result["bench"] = speed.measure(log, baseline, best.path, bench_fn, pythons,
                                            len(best.sug.failregex), choice.datepattern)
            result["speedup"] = result["bench"].get("speedup")
        result["filter_text"] = writer.filter_text(result, SUGGESTED_NAME)
        if write:
            result["written"] = (writer.write_checked(result, write, force) if result["equivalent"] else
                                 {"filter": None, "sample": None, "samples_check": None, "backups": [],
                                  "why": "the suggestion is not proven equivalent: nothing written"})
        return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _search(learn, positives, choice, workdir, lines, base, base_flt):
    best = attempt.best_attempt(learn, choice, workdir, lines, base, positives, base_flt)
    missed = {m.index for m in best.proof["missed"] if m.candidate is None}
    if missed and len(learn) < len(positives):
        # shapes the spread did not see: learn them too, once
        more = [p for p in positives if p.index in missed]
        again = attempt.best_attempt(learn + _spread(more, 500), choice, workdir, lines, base, positives,
                                     base_flt)
        if again.proof["score"] < best.proof["score"]:
            best = again
    return best


def _describe(result, best, baseline, positives):
    sug, proof = best.sug, best.proof
    adv, _ = inject.variants(sug)
    base_taken = sum(1 for (v, inj), b in zip(adv, prove.failures(baseline.make(), [v for v, _ in adv]))
                     if b == inj)
    result.update({
        "prefregex": sug.prefregex, "failregex": sug.failregex, "anchor": sug.anchor or None,
        "head": sug.head, "shapes": sug.shapes, "matched": proof["matched"], "mode": list(best.mode),
        "hosts_equal": proof["hosts_equal"], "equivalent": proof["equivalent"],
        "mismatches": [{"line_no": m.index + 1, "line": m.line[:300], "baseline": m.baseline,
                        "suggested": m.candidate} for m in proof["missed"][:20]],
        "mismatch_count": len(proof["missed"]),
        "extra_lines": proof["extra_lines"],
        "near_miss_lines": [{"line_no": i + 1, "line": l[:300], "suggested": c}
                            for i, l, c in proof["near_miss_lines"][:10]],
        "generalised_unseen": sug.constant_fields,
        "injection_lines": [{"line_no": p.index + 1, "line": p.line[:300], "baseline": p.reported,
                             "why": p.injection} for p in sug.injections[:20]],
        "injection": {"variants": proof["variants"], "failures": len(proof["variants_taken"]),
                      "baseline_failures": base_taken, "examples": proof["variants_taken"][:5],
                      "near_miss_variants": proof["near_miss_variants"],
                      "near_miss_taken": len(proof["near_miss_taken"]),
                      "lines": proof["injection_lines"], "lines_taken": proof["injection_lines_taken"]},
    })


def _samples(best, lines, base, positives):
    """failJSON samples: members of every shape, a spread of positives, negatives, safe variants."""
    cand, sug = best.cand, best.sug
    regs = [build.compiled(r) for r in sug.failregex]
    pref = build.compiled(sug.prefregex) if sug.prefregex else None
    samples, seen = [], set()
    firsts = [m for group in sug.members for m in group[:2]]
    clean = [p for p in positives if p.injection is None and cand[p.index] == base[p.index]]
    for p in firsts + _spread(clean, 30):
        if p.index in seen or cand[p.index] is None or p.rest is None:
            continue
        m = pref.search(p.content) if pref else None
        text = m.group("content") if m else p.content
        if sum(1 for r in regs if r.search(text)) != 1:
            continue    # samplestestcase wants one regex per line
        seen.add(p.index)
        samples.append({"line": p.line, "host": cand[p.index]})
    negatives = [i for i, (b, c) in enumerate(zip(base, cand)) if b is None and c is None]
    for i in _spread(negatives, 10):
        samples.append({"line": lines[i], "host": None})
    for v, c in best.proof["_safe_variants"]:
        samples.append({"line": v, "host": c})
    return samples
