"""Proof on lines the suggestion did not learn from.

The distinct positive lines are split: two of every three are learnt from, the third is
held out. The regexes learnt from the first part run over the held-out lines through fail2ban's
Filter: how many match, and how many with the baseline's address. Below MIN_DISTINCT distinct
lines the split would leave too little on either side, and the result says so.
"""
import os

from f2btune.suggest import attempt, build, prove

MIN_DISTINCT = 9


def _copy(p):
    return build.Positive(p.index, p.line, p.content, p.host, p.reported)


def heldout(positives, choice, workdir, mode):
    """A dict: ``shown`` (bool), ``learnt``, ``held``, ``matched``, ``same_address``, ``summary``."""
    clean = [p for p in positives if p.injection is None]
    distinct = {}
    for p in clean:
        distinct.setdefault(p.line, p)
    uniq = list(distinct.values())
    if len(uniq) < MIN_DISTINCT:
        return {"shown": False, "learnt": len(uniq), "held": 0, "matched": 0, "same_address": 0,
                "summary": "generalisation could not be shown: %d distinct matching lines, at least "
                           "%d are needed to learn on two thirds and test on the rest"
                           % (len(uniq), MIN_DISTINCT)}
    learn = [_copy(p) for i, p in enumerate(uniq) if i % 3 != 2]
    held = [p for i, p in enumerate(uniq) if i % 3 == 2]
    sub = os.path.join(workdir, "heldout")
    try:
        sug = build.build_regexes(learn, tails=mode[0], strict=mode[1])
    except build.NoAnchor as e:
        return {"shown": False, "learnt": len(learn), "held": len(held), "matched": 0,
                "same_address": 0, "summary": "nothing learnt from two thirds of the lines: %s" % e}
    flt = attempt.make(attempt.filter_file(sub, sug, choice))
    got = prove.failures(flt, [p.line for p in held])
    matched = sum(1 for g in got if g is not None)
    same = sum(1 for g, p in zip(got, held) if g is not None and g == p.reported)
    return {"shown": True, "learnt": len(learn), "held": len(held), "matched": matched,
            "same_address": same, "misses": [p.line for g, p in zip(got, held)
                                             if g is None or g != p.reported][:5],
            "summary": "learnt on %d distinct lines, %d of %d held-out lines matched, %d with the "
                       "baseline's address" % (len(learn), matched, len(held), same)}
