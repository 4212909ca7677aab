"""Failures the backend counts itself until an address reaches maxretry.

A new address costs fail2ban a ``FailTicket``, a FailManager entry and its bookkeeping, and
under a flood of spoofed sources nearly every address is new and never comes back.  Here
an address's failures are kept in one :class:`.records.Group` (count, first and last time,
the last few matches) until they reach maxretry; then ONE ticket carrying them goes to
``FailManager.addFailure`` and fail2ban decides the ban as with any backend.

The count follows FailManager's own arithmetic (``FailTicket.adjustTime``: a failure more
than findtime after the first scales the count to the rate over findtime), so an address
reaches maxretry here exactly when it would reach it in the FailManager.  Entries whose last
failure is older than findtime are dropped, as fail2ban's clean-up drops them.  Beyond
``cap`` entries the oldest are handed to the FailManager: no count is lost, and past the
cap cost and memory per address are stock's (about twice this counter's), so the cap bounds
this counter, not the server.
"""
from itertools import islice

from f2btune.backend.records import Group

SWEEP_S = 5.0


class PendingCounts(object):
    __slots__ = ("cap", "entries", "next_sweep", "expired", "spilled")

    def __init__(self, cap):
        self.cap = cap
        self.entries = {}            # id text -> Group (fid None: not resolved by fail2ban yet)
        self.next_sweep = 0.0
        self.expired = self.spilled = 0

    def __len__(self):
        return len(self.entries)

    def __contains__(self, key):
        return key in self.entries

    def add(self, key, g, maxretry, findtime, keep):
        """Count ``g`` (this batch's failures of ``key``); returns the whole Group once the
        address reaches ``maxretry`` (it leaves the counter), else None."""
        e = self.entries.get(key)
        if e is None:
            g.parked += g.count
            if g.count >= maxretry:
                return g
            g.matches = g.matches[-keep:] if keep else []
            self.entries[key] = g
            return None
        count_into(e, g.first, g.last, g.count, findtime)
        e.matches = (e.matches + g.matches)[-keep:] if keep else []
        if g.fid is not None:
            e.fid, e.fail = g.fid, g.fail
        e.sample = g.sample if g.sample is not None else e.sample
        if e.count >= maxretry:
            del self.entries[key]
            return e
        return None

    def add_tally(self, e, t, findtime, keep):
        """Count a batch's :class:`.records.Tally` into the entry ``e`` it stays below
        maxretry in (the caller checked): :meth:`add` without building a Group."""
        count_into(e, t.first, t.last, t.count, findtime)
        samples = t.samples
        if keep:
            m = e.matches                # the entry's own list (every Group gets a new one)
            m.extend([s[0] for s in samples])
            if len(m) > keep:
                del m[:-keep]
        else:
            e.matches = []
        e.sample = samples[-1]

    def pop(self, key):
        return self.entries.pop(key, None)

    def sweep(self, now, findtime):
        """Drop entries whose last failure is older than findtime (fail2ban's clean-up)."""
        if now < self.next_sweep:
            return
        self.next_sweep = now + SWEEP_S
        limit = now - findtime
        old = [k for k, e in self.entries.items() if e.last <= limit]
        for k in old:
            del self.entries[k]
        self.expired += len(old)

    def overflow(self):
        """The oldest entries beyond the cap (removed): they go to the FailManager."""
        n = len(self.entries) - self.cap
        if n <= 0:
            return ()
        entries = self.entries
        oldest = list(islice(entries, n))         # first inserted first
        out = [(k, entries.pop(k)) for k in oldest]
        self.spilled += n
        return out


def count_into(e, first, last, count, findtime):
    """Add ``count`` failures seen from ``first`` to ``last`` to the entry ``e`` (a Group),
    with FailManager's arithmetic (``FailTicket.adjustTime``); they count as parked."""
    if last > e.last:
        if e.first < last - findtime:
            e.count = int(round(e.count / float(last - e.first) * findtime))
            e.first = last - findtime
        e.last = last
    if first < e.first:
        e.first = first
    e.count += count
    e.parked += count


def unresolved(t, keep):
    """A counted address (:class:`.records.Tally`) whose failure id fail2ban has not given
    yet: its last line is kept to ask ``processLine`` once it reaches maxretry."""
    g = Group(t.first, t.last, t.count, [s[0] for s in t.samples][-keep:], None, None)
    g.sample = t.samples[-1]
    return g
