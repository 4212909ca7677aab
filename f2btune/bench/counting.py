"""Matched lines and failure ids per candidate: one untimed, streamed pass over the whole log.

The regex level searches the candidate's compiled regexes over each line as fail2ban presents
it; the filter level runs fail2ban's ``Filter.processLine``.  A digest of (line number, ids)
tells whether two candidates found the same failures.
"""
import hashlib
import logging

from f2btune.bench.f2bparts import (CompiledRegexes, cut_date, ensure_fail2ban, host_of,
                                    set_fail2ban_logging, stage_filter)
from f2btune.bench.logs import iter_log


class Counts(object):
    """Matched lines, distinct failure ids and a digest of (line number, id) for one candidate."""

    def __init__(self):
        self.matched = 0
        self.hosts = set()
        self._digest = hashlib.sha1()

    def add(self, lineno, ids):
        self.matched += 1
        self.hosts.update(ids)
        self._digest.update(("%d %s\n" % (lineno, " ".join(sorted(ids)))).encode("utf-8", "replace"))

    def result(self):
        return {"matched": self.matched, "hosts": len(self.hosts), "digest": self._digest.hexdigest()}


class CandidateCounter(object):
    """Runs one candidate over streamed lines at the regex and filter levels."""

    def __init__(self, candidate):
        self.filter = stage_filter(candidate)
        self.regexes = CompiledRegexes(self.filter)
        self._cutter = candidate.build_filter()  # its own date detector state, like the regex stage
        self.regex_counts = Counts()
        self.filter_counts = Counts()

    def feed(self, lineno, line):
        groups = self.regexes.match(cut_date(self._cutter, line))
        if groups is not None:
            self.regex_counts.add(lineno, [host_of(groups)])
        fails = self.filter.processLine(line)
        if fails:
            self.filter_counts.add(lineno, set(str(f[1]) for f in fails))


def count_log(path, candidates):
    """One streamed pass over the whole log: ``(lines, [{'regex': counts, 'filter': counts}, ...])``."""
    ensure_fail2ban()
    logger = logging.getLogger("fail2ban")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    set_fail2ban_logging("CRITICAL")
    try:
        counters = [CandidateCounter(c) for c in candidates]
        n = 0
        for n, line in enumerate(iter_log(path), 1):
            for c in counters:
                c.feed(n, line)
    finally:  # leave the caller's fail2ban logging as it was
        for h in list(logger.handlers):
            logger.removeHandler(h)
        for h in saved[0]:
            logger.addHandler(h)
        logger.setLevel(saved[1])
        logger.propagate = saved[2]
    return n, [{"regex": c.regex_counts.result(), "filter": c.filter_counts.result()}
               for c in counters]
