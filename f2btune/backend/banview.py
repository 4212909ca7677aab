"""The one answer to "is this address banned?" for the backend, and its only cache.

It follows fail2ban's own ban list (``BanManager``) and the tickets this backend queued:

- an address is banned while its ticket is in the ban list *and* its ban has not ended:
  an expired ticket the actions thread has not removed yet does not count (fail2ban's
  ``_inBanList`` ignores expiry), so a returning source is counted from its next line;
- ``fail2ban-client unban IP`` / ``unban --all`` remove the ticket: counted again at once;
- a ticket this backend queued counts as banned until the jail's queue is empty (then the
  actions thread has taken it and the ban list answers).

Answers are kept for one batch: ``begin_batch`` clears them, reads the clock and takes the
ban list and ban time once (an ``unban --all`` during a batch is seen at the next one, as
the batch's answers are).
"""
from fail2ban.server.mytime import MyTime


class BanView(object):
    __slots__ = ("flt", "queued", "memo", "now", "banlist", "bantime")

    def __init__(self, flt):
        self.flt = flt
        self.queued = set()          # ids (text) whose ban ticket this backend queued
        self.memo = {}               # id text -> banned? (this batch)
        self.now = 0.0
        self.banlist = None          # fail2ban's ban list (id -> ticket) for this batch
        self.bantime = 0

    def begin_batch(self):
        self.memo.clear()
        self.now = MyTime.time()
        if self.queued and not self.flt.jail.hasFailTickets:
            self.queued.clear()
        bm = self._ban_manager()
        self.banlist = bm._BanManager__banList if bm is not None else None
        self.bantime = bm.getBanTime() if bm is not None else 0

    def is_banned(self, fid):
        """``fid``: the failure id as text (fail2ban's IPAddr hashes and compares as its text)."""
        b = self.memo.get(fid)
        if b is None:
            b = self.memo[fid] = self._lookup(fid)
        return b

    def _lookup(self, fid):
        if fid in self.queued:
            return True
        banlist = self.banlist
        ticket = banlist.get(fid) if banlist is not None else None
        if ticket is None:
            return False
        return self.now <= ticket.getEndOfBanTime(self.bantime)

    def any(self):
        """Is any address banned (or queued for a ban) at all, as this batch sees it?"""
        return bool(self.queued) or bool(self.banlist)

    def _ban_manager(self):
        """fail2ban's BanManager of the jail, or None (no actions yet: the jail is starting)."""
        try:
            return self.flt.jail.actions.banManager
        except Exception:
            return None

    def queued_ban(self, fid):
        """This backend queued a ban ticket for ``fid``."""
        self.queued.add(fid)
        self.memo[fid] = True

    def ended(self, fid):
        """Forget the batch's answer for ``fid`` (its ban was just lifted)."""
        self.memo.pop(fid, None)
