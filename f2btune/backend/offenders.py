"""Addresses this jail banned before: the only ones fail2ban's observer acts on.

With ``bantime.increment`` the observer counts a failure of a known offender double,
triple, ... (from its ban record in the database); for any other address each
notification is a wasted database query.  The set is read from the database once, then
refreshed with the bans of the last ``REFRESH_S`` every ``REFRESH_S``; this backend's own
bans are added at once.
"""
import logging

log = logging.getLogger("fail2ban.f2btune")

REFRESH_S = 10.0


class KnownOffenders(object):
    __slots__ = ("flt", "ids", "next_refresh")

    def __init__(self, flt):
        self.flt = flt
        self.ids = None
        self.next_refresh = 0.0

    def enabled(self):
        jail = self.flt.jail
        return bool(jail.getBanTimeExtra("increment")) and jail.database is not None

    def known(self, fid, now, enabled=None):
        """Would the observer act on a failure of ``fid`` (text)?  ``enabled``: the caller
        has just asked :meth:`enabled`."""
        if not (enabled or self.enabled()):
            return False
        if now >= self.next_refresh and not self._refresh(now):
            return True               # database unreadable: be conservative, tell the observer
        return fid in self.ids

    def _refresh(self, now):
        jail = self.flt.jail
        try:
            if self.ids is None:
                tickets = jail.database.getBans(jail=jail)
                self.ids = set()
            else:
                tickets = jail.database.getBans(jail=jail, bantime=int(REFRESH_S * 2 + 1))
            self.ids.update(str(t.getID()) for t in tickets)
        except Exception as e:  # pragma: no cover - depends on a broken database
            log.debug("[%s] f2btune: reading past bans failed: %r", self.flt.jailName, e)
            return False
        self.next_refresh = now + REFRESH_S
        return True

    def add(self, fid):
        if self.ids is not None:
            self.ids.add(fid)
