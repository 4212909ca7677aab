# SPDX-License-Identifier: GPL-2.0-or-later
"""``F2btuneIpset``: the fail2ban action class of action.d/f2btune-ipset.py (see that file's header).

fail2ban drives it (start, ban, unban, prolong, flush, stop); a checker thread runs each
family's ``check`` every ``checkinterval`` seconds so that the kernel keeps enforcing what
fail2ban holds banned, without waiting for fail2ban to notice anything.
"""
import logging
import threading
import time

from fail2ban.server.actions import ActionBase

from f2btune.ipsetaction.family import Family
from f2btune.ipsetaction.params import Params
from f2btune.kernel.ipset import BATCH, TIMEOUT_MAX, Ipset
from f2btune.kernel.iptables import Iptables

RESTORE_DELAY = 0.2     # s: bans restored from the database are gathered this long, then bulk-added


class F2btuneIpset(ActionBase):
    """fail2ban action banning into kernel ipsets over netlink, kept enforced by a timer."""

    def __init__(self, jail, *args, **options):
        # fail2ban calls Action(jail, actname, **options): the action's own name comes
        # positionally, so a jail's name= option (the set name stem) lands in options
        super(F2btuneIpset, self).__init__(jail, args[0] if args else "f2btune-ipset")
        for key in Params.ignored(options):
            self._logSys.debug("f2btune-ipset: ignoring parameter %s=%r", key, options[key])
        self.params = Params(getattr(jail, "name", None) or self._name, options)
        self.sets = self.params.sets
        self.kernel = Ipset()
        self.firewall = Iptables(*self.params.binaries)
        self.families = dict((f, Family(f, self.sets[f], self.params, self.kernel, self.firewall,
                                        self._log, self._refreshtime)) for f in (4, 6))
        self._restore = {4: [], 6: []}
        self._restore_lock = threading.Lock()
        self._restore_timer = None
        self._stopping = threading.Event()
        self._checker = None

    def _log(self, level, msg, *args):
        self._logSys.log(level, "[%s] f2btune-ipset: " + msg, self._jail.name, *args)

    def _refreshtime(self):
        if self.params.refreshtime:
            return self.params.refreshtime
        try:
            bantime = int(self._jail.actions.getBanTime())
        except Exception:
            bantime = 600
        return min(bantime, TIMEOUT_MAX) if bantime > 0 else 0

    # -- life cycle ------------------------------------------------------------------------------

    def start(self):
        now = time.time()
        for family in self.families.values():
            family.up(now)
        if self._checker is None or not self._checker.is_alive():
            self._stopping.clear()
            self._checker = threading.Thread(target=self._check_loop, daemon=True,
                                             name="f2btune-ipset-%s" % self._jail.name)
            self._checker.start()

    def _check_loop(self):
        while not self._stopping.wait(self.params.checkinterval):
            self.check()

    def check(self):
        """One round of checks and repairs for both families (the checker thread's work)."""
        self._flush_restored()
        now = time.time()
        for family in self.families.values():
            try:
                family.check(now)
            except Exception as e:      # the checker must outlive any surprise
                self._log(logging.ERROR, "check of ipset %s failed: %s", family.setname, e)

    def stop(self):
        self._stopping.set()
        if self._checker is not None and self._checker is not threading.current_thread():
            self._checker.join()
        self._checker = None
        self._flush_restored()
        errors = []
        for family in self.families.values():
            errors.extend(family.stop())
        self.kernel.close()
        if errors:
            self._log(logging.ERROR, "stop: %s", "; ".join(errors))

    def flush(self):
        """Empty both sets at once (fail2ban then skips the per-address unbans)."""
        self._flush_restored()
        for family in self.families.values():
            family.flush()
        return True

    def consistencyCheck(self, _beforeRepair=None):
        """fail2ban asks when a banned address still shows up: check and repair now."""
        self.check()
        return all(f.ready for f in self.families.values())

    # -- bans ------------------------------------------------------------------------------------

    @property
    def _prolongable(self):
        return True

    @staticmethod
    def _target(aInfo):
        ip = str(aInfo["ip"])
        bantime = float(aInfo["bantime"])
        end = -1 if bantime < 0 else float(aInfo["time"]) + bantime
        return ip, 6 if ":" in ip else 4, end

    def ban(self, aInfo):
        ip, family, end = self._target(aInfo)
        if aInfo["restored"]:
            self._queue_restored(ip, family, end)
            return
        self._flush_restored()
        self.families[family].ban(ip, end, time.time())

    def prolong(self, aInfo):
        """bantime.increment made the ban longer: re-arm the kernel timeout."""
        self.ban(aInfo)

    def reban(self, aInfo):
        return self.ban(aInfo)

    def unban(self, aInfo):
        ip, family, end = self._target(aInfo)
        self._flush_restored()
        now = time.time()
        # with refresh, a natural expiry leaves the entry to the kernel timeout (re-armed while the
        # source keeps sending); an early unban (unbanip, flush) still deletes it
        natural = self.params.refresh and end != -1 and end <= now + 1
        self.families[family].unban(ip, now, leave_to_kernel=natural)

    # -- restored bans: gathered, then added in batches ------------------------------------------

    def _queue_restored(self, ip, family, end):
        with self._restore_lock:
            self._restore[family].append((ip, end))
            if self._restore_timer is None:
                self._restore_timer = threading.Timer(RESTORE_DELAY, self._flush_restored)
                self._restore_timer.daemon = True
                self._restore_timer.start()
            full = sum(len(v) for v in self._restore.values()) >= BATCH
        if full:
            self._flush_restored()

    def _flush_restored(self):
        if self._restore_timer is None and not (self._restore[4] or self._restore[6]):
            return      # nothing gathered (every ban but those restored at start)
        with self._restore_lock:
            batches, self._restore = self._restore, {4: [], 6: []}
            timer, self._restore_timer = self._restore_timer, None
        if timer is not None:
            timer.cancel()
        now = time.time()
        for family, items in batches.items():
            if items:
                self.families[family].ban_many(items, now)
                self._log(logging.INFO, "%d restored ban(s) added to %s in bulk", len(items), self.sets[family])
