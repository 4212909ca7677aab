"""The small records a batch builds: per-address tallies and per-failure-id groups."""


class Tally(object):
    """Lines of one address counted by the backend's own failregex run in one batch.

    ``samples``: the last few (tupleLine, epoch) pairs, enough for the ticket's matches.
    """
    __slots__ = ("count", "first", "last", "samples")

    def __init__(self, weight, epoch, sample):
        self.count = weight
        self.first = self.last = epoch
        self.samples = [sample]

    def add(self, weight, epoch, sample, keep):
        self.count += weight
        if epoch < self.first:
            self.first = epoch
        if epoch > self.last:
            self.last = epoch
        samples = self.samples
        samples.append(sample)
        if len(samples) > keep:
            del samples[0]


class Group(object):
    """The failures of one failure id in one batch, ready for one FailManager hand-off.

    ``fid``/``fail`` are None while fail2ban has not been asked about the address yet; then
    ``sample`` is its last (tupleLine, epoch), see :mod:`.pending`; ``parked``: failures
    already added to "Total failed" while the backend counted them itself.
    """
    __slots__ = ("first", "last", "count", "matches", "fail", "fid", "sample", "parked")

    def __init__(self, first, last, count, matches, fail, fid):
        self.first, self.last, self.count = first, last, count
        self.matches, self.fail, self.fid = matches, fail, fid
        self.sample = None
        self.parked = 0

    def merge(self, first, last, count, matches, fail):
        if first < self.first:
            self.first = first
        if last > self.last:
            self.last = last
        self.count += count
        if matches:
            self.matches = self.matches + matches
        if fail is not None:
            self.fail = fail


def collect(groups, fid, first, last, count, fail, key=None):
    """Add ``count`` failures of ``fid`` to ``groups`` (keyed by the id's text: fail2ban's
    IPAddr hashes and compares as its text)."""
    key = key if key is not None else str(fid)
    g = groups.get(key)
    matches = fail.get("matches") or []
    if g is None:
        groups[key] = Group(first, last, count, matches, fail, fid)
    else:
        g.merge(first, last, count, matches, fail)


def repeat_weight(value, cap=1 << 20):
    """The fold count of ``message repeated N times: [ ... ]`` (a filter's ``<F-REPEATS>``):
    N failures; anything that is not a positive number counts once."""
    try:
        n = int(value)
    except (TypeError, ValueError):
        return 1
    return n if 1 <= n <= cap else (cap if n > cap else 1)
