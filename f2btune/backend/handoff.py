"""The hand-off to fail2ban: one ``FailTicket`` per failure id and batch, bans at maxretry.

Per id: ignoreip/ignoreself/ignorecommand is checked once, then ONE ``FailTicket`` carrying
the count, the first and last time and the matches goes to ``FailManager.addFailure``; at
maxretry ``performBan`` queues the ban.  For a known offender (see :mod:`.offenders`) the
observer is told of the failures, at most maxretry times (more cannot change the outcome),
before the ban: ``bantime.increment`` and the database see what a stock backend shows.
"""
import logging
import time

from fail2ban.server.mytime import MyTime
from fail2ban.server.observer import Observers
from fail2ban.server.ticket import FailTicket

from f2btune.backend.ignored import SurelyKept
from f2btune.backend.pending import PendingCounts, unresolved

log = logging.getLogger("fail2ban.f2btune")
# FailManager's failures by id (private in 1.0.x and 1.1.x)
FAILLIST = "_FailManager__failList"
# the wait cycle of fail2ban's actions thread while this backend runs the bans (s)
ACTIONS_SLEEP_S = 60.0


class HandOff(object):
    """Mixed into the backend's Filter: needs ``stats``, ``bans`` (BanView), ``offenders``."""

    def _pending_init(self, cap):
        self._pending = PendingCounts(cap) if cap else None
        self._kept = SurelyKept(self)

    def _pending_begin(self):
        """This batch's counter settings: (maxretry in failures, findtime, matches kept, now,
        whether the observer acts on known offenders)."""
        fm = self.failManager
        now = MyTime.time()
        self._park_ctx = ctx = (self.getMaxRetry(), self.getFindTime(), max(0, fm.maxMatches or 0), now,
                                Observers.Main is not None and self.offenders.enabled())
        self._kept.refresh()
        return ctx

    def sweep_pending(self, now):
        """Drop counted addresses whose last failure is older than findtime (every 5 s, from
        each batch and from fail2ban's service tasks, as its clean-up of the FailManager)."""
        pend = self._pending
        if pend is not None and now >= pend.next_sweep:
            pend.sweep(now, self.getFindTime())
            self.stats["pending"], self.stats["pending_expired"] = len(pend), pend.expired

    def performSvc(self, force=False):
        super(HandOff, self).performSvc(force)
        self.sweep_pending(MyTime.time())

    def _hand_off(self, groups):
        st, fm, pend = self.stats, self.failManager, self._pending
        now = MyTime.time()
        handoffs = 0
        if pend is not None:
            threshold, findtime, keep, now, observed = self._pending_begin()
        for key, g in groups.items():
            fs = key[0] if key.__class__ is tuple else key
            n = g.count
            st["failures"] += n
            if self.bans.is_banned(fs):
                st["banned_skipped"] += n
                continue
            if pend is not None and fs is key and self._may_park(fs, now, observed):
                fm.setFailTotal(fm.getFailTotal() + n)      # "Total failed", as with stock
                g = pend.add(fs, g, threshold, findtime, keep)
                if g is None:
                    st["parked"] += n
                    continue
                n = 0                                   # already in "Total failed"
            elif pend is not None and fs in pend.entries:
                # counted here until now (e.g. a tolerance began): those failures go first
                handoffs += self._hand_one(fs, pend.pop(fs), 0, now)
            handoffs += self._hand_one(fs, g, n, now)
        if pend is not None:
            for fs, g in pend.overflow():
                handoffs += self._hand_one(fs, g, 0, now)
            st["pending"], st["pending_expired"], st["pending_spilled"] = len(pend), pend.expired, pend.spilled
        st["handoffs"] += handoffs
        if self.options.promptban and self.jail.hasFailTickets:
            self._prompt_ban()
        return handoffs

    def _park_new(self, key, t):
        """Count an address's tally (:class:`.records.Tally`) here, without asking fail2ban,
        when it may be counted here and stays below maxretry; False: the hand-off decides."""
        pend = self._pending
        threshold, findtime, keep, now, observed = self._park_ctx
        e = pend.entries.get(key)
        if e is None:
            if t.count >= threshold or len(pend.entries) >= pend.cap:
                return False
        elif e.count + t.count >= threshold:  # (the count can only shrink with findtime)
            return False
        if not self._may_park(key, now, observed, e is None):
            return False
        if e is None:
            g = pend.entries[key] = unresolved(t, keep)
            g.parked = t.count
        else:
            pend.add_tally(e, t, findtime, keep)
        return True

    def _may_park(self, fs, now, observed, new=True):
        """May the backend count ``fs`` itself?  Not when the FailManager already holds it,
        the observer acts on it (banned before), an action weighs it per account, or the
        jail's ignore rules may ignore it (fail2ban decides that once it reaches maxretry).
        The ignore rules are read for a ``new`` address only: an address counted here that
        they come to cover is left to fail2ban's own check at maxretry, as any address is."""
        if (new and not self._kept.kept(fs)) or self._in_failmanager(fs):
            return False
        if observed and self.offenders.known(fs, now, enabled=True):
            return False
        # set by an action that weighs failures per account (action.d/f2btune-tolerance.py)
        split = getattr(self, "f2bt_split_accounts", None)
        return not (split and split(fs))

    def _in_failmanager(self, fs):
        try:
            return fs in getattr(self.failManager, FAILLIST)
        except AttributeError:       # an unknown FailManager: assume it holds every address
            return True

    def _hand_one(self, fs, g, n, now):
        """ONE ticket with the group's failures to ``FailManager.addFailure``; ban at maxretry.
        ``n``: the failures not yet in "Total failed".  Returns 1 if handed off."""
        st, fm = self.stats, self.failManager
        if g.fid is None and not self._resolve_group(fs, g):
            return 0
        maxretry, maxmatches = fm.getMaxRetry(), fm.maxMatches
        first, last = g.first, g.last
        if self.checkFindTime:
            first, last = min(first, now), min(last, now)
        data = dict(g.fail)
        data["matches"] = g.matches[-maxmatches:] if maxmatches else []
        data["failures"] = g.count
        tick = FailTicket(g.fid, first, data=data)
        tick.setTime(last)
        if self._inIgnoreIPList(g.fid, tick):
            st["ignored"] += g.count
            if g.parked:                      # stock never counts an ignored address's failures
                fm.setFailTotal(fm.getFailTotal() - g.parked)
            return 0
        # asked before a ban of this batch makes fid an offender: the observer acts only
        # on addresses banned before (as with stock, failures reach it before banFound)
        known = Observers.Main is not None and self.offenders.known(fs, now)
        total = fm.getFailTotal()
        attempts = fm.addFailure(tick, g.count)
        fm.setFailTotal(total + n)            # "Total failed" counts failures, as with stock
        if known:
            args = self._failure_found_args(Observers.Main, tick)
            for _ in range(min(g.count, maxretry)):
                Observers.Main.add("failureFound", *args)
        if attempts >= maxretry:
            self._ban(g.fid, fs)
        return 1

    def _resolve_group(self, fs, g):
        """Ask fail2ban (``processLine``) for the id and data of a counted address's last
        line; False when it finds no failure there (the address is dropped)."""
        tl, epoch = g.sample
        try:
            found = self.processLine(tl, epoch)
        except Exception as e:
            self.stats["errors"] += 1
            log.error("[%s] failed to process line %r: %r", self.jailName, "".join(tl)[:200], e)
            return False
        if not found:
            return False
        g.fid, fail = found[-1][1], found[-1][3]
        self._raw2fid[fs] = str(g.fid)
        if self._cache_found and len(found) == 1:
            self._found_cache[fs] = (g.fid, dict((k, v) for k, v in fail.items() if k != "matches"))
        g.fail = fail
        return True

    def counted_failures(self):
        """{id text: (failures, matches)}: what the FailManager holds (``fail2ban-client
        status``'s "Currently failed") plus the addresses this backend still counts."""
        out = {}
        for fid, t in list(getattr(self.failManager, FAILLIST, {}).items()):
            out[str(fid)] = (t.getRetry(), t.getMatches())
        for key, g in list(self._pending.entries.items()) if self._pending is not None else ():
            out[key] = (g.count, ["".join(m) if isinstance(m, (list, tuple)) else m for m in g.matches])
        return out

    def _ban(self, fid, fs):
        self.performBan(fid)
        self.bans.queued_ban(fs)
        self.offenders.add(fs)
        self.stats["bans"] += 1
        if self.options.promptban:
            # at once: the rest of the batch's hand-offs need not delay this ban
            self._prompt_ban()

    def _failure_found_args(self, observer, tick):
        """Arguments of the observer's failureFound: (jail, ticket) in 1.0.x; some versions
        take the FailManager first (failManager, jail, ticket)."""
        if self._ff_with_fm is None:
            import inspect
            try:
                params = list(inspect.signature(observer.failureFound).parameters)
            except (TypeError, ValueError, AttributeError):
                params = []
            self._ff_with_fm = bool(params) and params[0] == "failManager"
        if self._ff_with_fm:
            return (self.failManager, self.jail, tick)
        return (self.jail, tick)

    def lift_ended_bans(self):
        """Lift the bans that have ended now, as fail2ban's actions thread does when it wakes
        at the next unban time (run from the loop's service timer and before prompt bans)."""
        actions = self.jail.actions
        try:
            if actions.banManager._nextUnbanTime <= MyTime.time():
                actions._Actions__checkUnBan(getattr(actions, "unbanMaxCount", 100))
        except Exception as e:  # pragma: no cover - the actions thread would log the same
            log.error("[%s] f2btune: unban failed: %r", self.jailName, e)

    def stretch_actions_thread(self):
        """With prompt bans, fail2ban's actions thread has only unbans and ``banip`` commands
        left to do.  It waits in cycles of its ``sleeptime``, polling its queue with sleeps of
        0.2, 0.4, ... s up to 2 s that restart at 0.2 s each cycle; a queued ticket ends a wait
        at the next poll and the next ban's end bounds it, whatever the cycle.  A cycle of
        ``ACTIONS_SLEEP_S`` makes it poll about 35 times a minute instead of once a second."""
        actions = getattr(self.jail, "actions", None)
        if self.options.promptban and actions is not None and actions.sleeptime < ACTIONS_SLEEP_S:
            actions.sleeptime = ACTIONS_SLEEP_S

    def _prompt_ban(self):
        """Run the queued bans now, in this thread, as ``fail2ban-client set JAIL banip`` does.

        fail2ban's actions thread polls its queue with sleeps growing from 0.2 s to 2 s, so
        a ticket can wait up to a second; under a flood that is a second of lines from an
        address that should be stopped.  The queue is thread-safe and each ticket is taken
        once, by whichever thread gets it first.  Bans that have ended are lifted first (as
        the actions thread does when it wakes at the next unban time), so a returning
        source gets a new ban, with its incremented time, not a prolonged stale ticket.
        """
        actions = self.jail.actions
        checkban = getattr(actions, "_Actions__checkBan", None)
        if checkban is None:
            return
        t0 = time.time()
        self.lift_ended_bans()
        for _ in range(1000):
            if not self.jail.hasFailTickets:
                break
            try:
                self.stats["prompt_bans"] += checkban() or 0
            except Exception as e:  # pragma: no cover - the actions thread would log the same
                log.error("[%s] f2btune: ban failed: %r", self.jailName, e)
                break
        self.stats["prompt_ban_ms"] += int((time.time() - t0) * 1000)
