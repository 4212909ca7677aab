# SPDX-License-Identifier: GPL-2.0-or-later
"""One address family of the ipset action: its set and rules, and the bans fail2ban holds for it.

``Family`` mirrors what fail2ban holds banned (address -> end of ban) and puts each ban in the
kernel with its remaining time.  A ban the kernel refuses waits in ``pending``: a full set is
reported once and drained after an unban or by the periodic check (``repair.Repairs``).
"""
import logging
import threading

from f2btune.ipsetaction.params import kernel_timeout
from f2btune.ipsetaction.repair import Repairs
from f2btune.kernel.ipset import TIMEOUT_MAX, IpsetError, SetSpec
from f2btune.kernel.iptables import hook_rule, refresh_rule

ERROR, WARNING = logging.ERROR, logging.WARNING


class Family(Repairs):
    """The set ``setname`` of one family (4 or 6) and the bans fail2ban holds for it."""

    def __init__(self, family, setname, params, kernel, firewall, log, refreshtime, cap=TIMEOUT_MAX):
        self.family, self.setname, self.params = family, setname, params
        self.spec = SetSpec("hash:ip", family, params.maxelem)
        self.kernel, self.firewall, self.log = kernel, firewall, log
        self.refreshtime = refreshtime      # callable: the refresh rule's timeout
        self.cap = cap
        self.margin = min(3 * params.checkinterval, cap / 2.0)
        self.bans = {}          # address -> end of ban (-1 = permanent): what fail2ban holds banned
        self.rearm = {}         # address -> when to re-arm a ban longer than the cap
        self.pending = set()    # banned by fail2ban, not in the kernel (set full, family down)
        self.ready = False
        self.problem = None     # the reason last reported for the family being down
        self.full = False       # a "set full" episode is under way (reported once)
        self.lock = threading.RLock()

    def rules(self):
        p = self.params
        rules = [hook_rule(self.family, self.setname, p.chain, p.protocol, p.port, p.blocktype)]
        if p.refresh:
            rules.insert(0, refresh_rule(self.setname, p.chain, self.refreshtime()))
        return rules

    # -- bans ----------------------------------------------------------------------------------

    def ban(self, ip, end, now):
        """fail2ban banned ``ip`` until ``end`` (-1 permanent); also re-arms a longer ban (prolong)."""
        with self.lock:
            self.bans[ip] = end
            if self.ready:
                self._add(ip, end, now)
            else:
                self.pending.add(ip)

    def ban_many(self, items, now):
        """Bans restored from fail2ban's database, [(ip, end)], added in batches."""
        with self.lock:
            self.bans.update(items)
            if self.ready:
                self._fill(items, now)
            else:
                self.pending.update(ip for ip, _ in items)

    def unban(self, ip, now, leave_to_kernel=False):
        with self.lock:
            self.bans.pop(ip, None)
            self.rearm.pop(ip, None)
            queued = ip in self.pending
            self.pending.discard(ip)
            if leave_to_kernel or queued or not self.ready:
                return
            try:
                self.kernel.delete(self.setname, ip)
            except IpsetError as e:
                if not e.gone:
                    self.log(ERROR, "unban of %s failed: %s", ip, e)
            if self.pending:
                self._drain(now)        # the unban made room

    def flush(self):
        """fail2ban unbans everything at once (stop, unban --all)."""
        with self.lock:
            self.bans.clear()
            self.rearm.clear()
            self.pending.clear()
            self.full = False
            if self.ready:
                try:
                    self.kernel.flush(self.setname)
                except IpsetError as e:
                    if not e.gone:
                        raise

    def _timeout(self, ip, end, now):
        """Kernel timeout of a ban now (None = over); bans beyond the cap get a re-arm time."""
        if end == -1:
            self.rearm.pop(ip, None)
            return 0
        timeout = kernel_timeout(end, 0, now, self.cap)
        if timeout is not None and end - now > self.cap:
            self.rearm[ip] = now + timeout - self.margin
        else:
            self.rearm.pop(ip, None)
        return timeout

    def _add(self, ip, end, now):
        """Put one ban in the kernel: True, or False when it waits in ``pending``."""
        timeout = self._timeout(ip, end, now)
        if timeout is not None:
            try:
                self.kernel.add(self.setname, ip, timeout)
            except IpsetError as e:
                return self._refused(ip, e, now)
        self.pending.discard(ip)
        return True

    def _fill(self, items, now):
        """Add [(ip, end)] in batches; entries of a refused batch are retried one by one."""
        entries = []
        for ip, end in items:
            timeout = self._timeout(ip, end, now)
            if timeout is None:
                self.pending.discard(ip)
            else:
                entries.append((ip, timeout))
        try:
            failed = set(ip for ip, _ in self.kernel.add_many(self.setname, entries))
        except IpsetError as e:
            return self._refused(None, e, now)
        self.pending.difference_update(ip for ip, _ in entries if ip not in failed)
        for ip in failed:
            if not self._add(ip, self.bans[ip], now) and not self.ready:
                break
        return True

    def _refused(self, ip, err, now):
        if ip is not None:
            self.pending.add(ip)
        if err.gone:
            self.log(WARNING, "ipset %s vanished (destroyed behind fail2ban's back): re-creating it", self.setname)
            self.ready = False
            self.up(now)
        elif err.full:
            if not self.full:
                self.full = True
                self.log(ERROR, "ipset %s is full (maxelem %d): the ban of %s and further bans are queued and "
                         "applied as soon as there is room (after an unban or expiry); raise maxelem= for "
                         "this jail", self.setname, self.params.maxelem, ip)
        else:
            self._down(str(err))
        return False

    def _drain(self, now):
        """Apply queued bans while the kernel takes them."""
        for ip in list(self.pending):
            end = self.bans.get(ip)
            if end is None:
                self.pending.discard(ip)
            elif not self._add(ip, end, now):
                return
        if self.full:
            self.full = False
            self.log(WARNING, "ipset %s has room again: every queued ban is applied", self.setname)
