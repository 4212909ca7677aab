"""One attempt: build regexes from positives, write them as a filter file, prove them.

Tried in order, the first one that proves equivalent wins (else the one with the fewest
faults): the message stem after the address, then the whole line; first with words that vary
as fields, then with the message words seen as alternatives, then with lines of other message
words as other shapes; last with every constant value literal.
"""
import itertools
import os

from f2btune.errors import InputError, one_line
from f2btune.suggest import build, prove, writer

SUGGESTED_NAME = "f2btune-suggested"
USEDNS = "raw"  # <HOST> may match names, never resolved: the proof compares the text extracted
MODES = (("stem", 0), ("full", 0), ("stem", 1), ("full", 1), ("stem", 2), ("full", 2), ("full", 3))
_SERIAL = itertools.count(1)   # fail2ban caches parsed config files by name: one name per attempt


class Attempt(object):
    def __init__(self, sug, path, flt, cand, proof, mode):
        self.sug, self.path, self.flt, self.cand, self.proof, self.mode = sug, path, flt, cand, proof, mode


def filter_file(workdir, sug, choice):
    """Write the suggestion as workdir/attempts/<a new name>.conf; return its path."""
    d = os.path.join(workdir, "attempts")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "%s-%d.conf" % (SUGGESTED_NAME, next(_SERIAL)))
    with open(path, "w") as f:
        f.write("\n".join(writer.definition(sug.prefregex, sug.failregex, choice.patterns)) + "\n")
    return path


def make(path):
    from f2btune.f2b import make_filter
    try:
        return make_filter(path, usedns=USEDNS)
    except InputError as e:
        raise build.NoAnchor("fail2ban rejects the regex built from this sample: %s" % one_line(e))


def attempt(positives, choice, workdir, lines, base, mode, all_positives, base_flt):
    sug = build.build_regexes(positives, tails=mode[0], strict=mode[1])
    path = filter_file(workdir, sug, choice)
    flt = make(path)
    cand = prove.failures(flt, lines)
    proof = prove.verdict(sug, choice.detector(), lines, base, cand, all_positives, make(path), base_flt)
    return Attempt(sug, path, flt, cand, proof, mode)


def best_attempt(positives, choice, workdir, lines, base, all_positives, base_flt, modes=MODES):
    """The first equivalent attempt over ``modes``, else the one with the fewest faults."""
    best = None
    for mode in modes:
        try:
            a = attempt(positives, choice, workdir, lines, base, mode, all_positives, base_flt)
        except build.NoAnchor:
            if mode == modes[-1] and best is None:
                raise
            continue
        if best is None or a.proof["score"] < best.proof["score"]:
            best = a
        if a.proof["equivalent"]:
            break
    return best
