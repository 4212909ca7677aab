"""Equivalence proof: run two real fail2ban Filters over the same lines and compare.

"Equivalent" means: the same lines produce a failure, and each such line yields the
same failure id (host) under both filters. Lines are fed in file order to each filter
(multi-line filters keep their per-connection state, as in the server).
"""
import collections

# fail2ban's test "now" (2005-08-14) is not needed: we never look at times here.
JOURNAL_TIME = 1124013600.0
JOURNAL_STAMP = "2005-08-14T10:00:00"

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


def summary(baseline, candidate, lines):
    mism = compare(baseline, candidate, lines)
    base_hit = [i for i, h in enumerate(baseline) if h is not None]
    cand_hit = [i for i, h in enumerate(candidate) if h is not None]
    return {
        "lines": len(lines),
        "baseline_matched": len(base_hit),
        "matched": len(cand_hit),
        "same_lines": base_hit == cand_hit,
        "hosts_equal": all(baseline[i] == candidate[i] for i in set(base_hit) & set(cand_hit)),
        "mismatches": mism,
        "equivalent": not mism,
    }
