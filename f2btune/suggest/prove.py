"""The proof: run real fail2ban Filters over the same lines and judge the suggestion.

"Equivalent" means: the suggestion reports every baseline positive with the same address
(positives detected as injection attempts aside), never reports the address the baseline
took from user-controlled text, never reports an injected address in the adversarial
variants, and matches no near-miss variant. It may match more sample lines than the baseline
where they have the same shape as the learnt ones (other users, other reasons): that is the
point of generalising. Any other extra line counts as a near miss.
Lines are fed in file order to each filter (multi-line filters keep their per-connection state).
"""
import collections
import re

from f2btune.suggest import inject
from f2btune.suggest.locate import locate
from f2btune.suggest.shapes import shape_key_of

JOURNAL_TIME = 1124013600.0
JOURNAL_STAMP = "2005-08-14T10:00:00"
MAX_EXAMPLES = 5

Mismatch = collections.namedtuple("Mismatch", "index line baseline candidate")


def failures(flt, lines, journal=False, limit_errors=True):
    """Per line: the failure id (str) fail2ban's Filter reports, or None.

    ``journal``: lines are passed as the systemd backend passes them (time known, no
    date detection). A line that makes fail2ban raise counts as no failure.
    """
    out = []
    for line in lines:
        try:
            if journal:
                res = flt.processLine(("", JOURNAL_STAMP, line), JOURNAL_TIME)
            else:
                res = flt.processLine(line)
        except Exception:  # fail2ban can raise on odd input; treat as no match
            res = None
        host = None
        for r in res or ():
            fid, fail = r[1], r[3]
            if fid is None or fail.get("nofail"):
                continue
            host = str(fid)
            break
        out.append(host)
    return out


def compare(baseline, candidate, lines):
    """Mismatches between two per-line failure lists (from :func:`failures`)."""
    return [Mismatch(i, lines[i], b, c)
            for i, (b, c) in enumerate(zip(baseline, candidate)) if b != c]


def _rest(sug, dd, line):
    from f2btune.suggest.dates import split
    content = split(dd, line)[1]
    if sug.head:
        m = re.match(sug.head, content)
        return content[m.end():] if m else None
    return content


def _same_shape(sug, dd, line, host, known):
    rest = _rest(sug, dd, line)
    if rest is None:
        return False
    where = locate(rest, host)
    return where.injection is None and shape_key_of(rest, (where.start, where.end)) in known


def verdict(sug, dd, lines, base, cand, positives, flt, base_flt):
    """The proof of one suggestion (its Filter ``flt`` gave ``cand`` over ``lines``)."""
    by_index = {p.index: p for p in positives}
    missed = [Mismatch(p.index, p.line, base[p.index], cand[p.index]) for p in positives
              if p.injection is None and cand[p.index] != base[p.index]]
    taken = [p for p in positives if p.injection is not None and cand[p.index] == base[p.index]]
    known = {shape_key_of(m.rest, m.span) for g in sug.groups for m in g.members}
    extra = [i for i, (b, c) in enumerate(zip(base, cand)) if b is None and c is not None]
    near_lines = [i for i in extra if not _same_shape(sug, dd, lines[i], cand[i], known)]
    adv, near = inject.variants(sug)
    got = failures(flt, [v for v, _ in adv])
    adv_taken = [v for (v, inj), c in zip(adv, got) if c == inj]
    near = [v for v, b in zip(near, failures(base_flt, near)) if b is None]
    near_taken = [v for v, c in zip(near, failures(flt, near)) if c is not None]
    ok = not (missed or taken or near_lines or adv_taken or near_taken)
    return {
        "equivalent": ok, "missed": missed,
        "matched": sum(1 for c in cand if c is not None),
        "hosts_equal": not any(m.candidate is not None for m in missed),
        "injection_lines": len([p for p in positives if p.injection is not None]),
        "injection_lines_taken": len(taken),
        "extra_lines": len(extra), "near_miss_lines": [(i, lines[i], cand[i]) for i in near_lines],
        "variants": len(adv), "variants_taken": adv_taken,
        "near_miss_variants": len(near), "near_miss_taken": near_taken,
        "score": len(missed) + len(taken) + len(near_lines) + len(adv_taken) + len(near_taken),
        "_safe_variants": [(v, c) for (v, inj), c in zip(adv, got) if c != inj][:8],
        "_by_index": by_index,
    }
