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

log = logging.getLogger("fail2ban.f2btune")
# CPU time of the calling thread (PyPy 3.9 has it too; fall back to the process's)
thread_time = getattr(time, "thread_time", time.process_time)


class HandOff(object):
    """Mixed into the backend's Filter: needs ``stats``, ``bans`` (BanView), ``offenders``."""

    def _hand_off(self, groups):
        from fail2ban.server.ticket import FailTicket
        from fail2ban.server.observer import Observers
        st = self.stats
        fm = self.failManager
        maxretry = fm.getMaxRetry()
        maxmatches = fm.maxMatches
        now = MyTime.time()
        handoffs = 0
        for fs, g in groups.items():
            if fs.__class__ is tuple:         # kept apart per account and time (Scanner.f2bt_split_accounts)
                fs = fs[0]
            n = g.count
            st["failures"] += n
            if self.bans.is_banned(fs):
                st["banned_skipped"] += n
                continue
            first, last = g.first, g.last
            if self.checkFindTime:
                first, last = min(first, now), min(last, now)
            data = dict(g.fail)
            data["matches"] = g.matches[-maxmatches:] if maxmatches else []
            data["failures"] = n
            tick = FailTicket(g.fid, first, data=data)
            tick.setTime(last)
            if self._inIgnoreIPList(g.fid, tick):
                st["ignored"] += n
                continue
            handoffs += 1
            # asked before a ban of this batch makes fid an offender: the observer acts only
            # on addresses banned before (as with stock, failures reach it before banFound)
            known = Observers.Main is not None and self.offenders.known(fs, now)
            attempts = fm.addFailure(tick, n)
            if n > 1:                         # "Total failed" counts failures, as with stock
                fm.setFailTotal(fm.getFailTotal() + n - 1)
            if known:
                args = self._failure_found_args(Observers.Main, tick)
                for _ in range(min(n, maxretry)):
                    Observers.Main.add("failureFound", *args)
            if attempts >= maxretry:
                self._ban(g.fid, fs)
        st["handoffs"] += handoffs
        if self.options.promptban and self.jail.hasFailTickets:
            self._prompt_ban()
        return handoffs

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
        t0, c0 = time.time(), thread_time()
        try:
            if actions.banManager._nextUnbanTime <= MyTime.time():
                actions._Actions__checkUnBan(getattr(actions, "unbanMaxCount", 100))
        except Exception as e:  # pragma: no cover - the actions thread would log the same
            log.error("[%s] f2btune: unban failed: %r", self.jailName, e)
        for _ in range(1000):
            if not self.jail.hasFailTickets:
                break
            try:
                self.stats["prompt_bans"] += checkban() or 0
            except Exception as e:  # pragma: no cover - the actions thread would log the same
                log.error("[%s] f2btune: ban failed: %r", self.jailName, e)
                break
        self.stats["prompt_ban_ms"] += int((time.time() - t0) * 1000)
        self.stats["prompt_ban_cpu_us"] += int((thread_time() - c0) * 1e6)
