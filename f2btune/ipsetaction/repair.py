# SPDX-License-Identifier: GPL-2.0-or-later
"""Set-up and periodic repair of one family's ipset and firewall rules (mixed into ``Family``).

``up`` creates the set (or replaces an EMPTY leftover with other settings) and the rules, then
fills the set with every ban fail2ban holds.  ``check``, run every checkinterval, makes the
kernel agree with fail2ban again: a vanished or re-created set is re-created and refilled,
missing rules are re-inserted (the set's reference count says when: no process is spawned
while they are in place), missing entries are re-added with their remaining time, queued bans
are applied, and bans longer than ipset's timeout cap are re-armed before the kernel drops them.
A family that cannot be set up is reported once, with the reason, and retried by ``check``.
"""
import logging

from f2btune.kernel.ipset import IpsetError, SetMismatch, describe, matches
from f2btune.kernel.iptables import FirewallError

LABEL = {4: "IPv4", 6: "IPv6"}
ERROR, WARNING = logging.ERROR, logging.WARNING


class Down(Exception):
    """The family cannot be enforced now; ``str()`` says why and names the fix."""


class Repairs(object):
    """Set-up and repairs; expects Family's attributes (kernel, firewall, bans, pending, ...)."""

    # -- set-up ------------------------------------------------------------------------------

    def up(self, now):
        """Set up set and rules, then put every ban fail2ban holds for this family in the set."""
        with self.lock:
            try:
                self._ensure_set()
                self._ensure_rules()
            except (IpsetError, FirewallError, Down) as e:
                self._down(str(e))
                return False
            self.ready = True
            if self.problem is not None:
                self.problem = None
                self.log(WARNING, "%s bans are enforced again (ipset %s ready, %d ban(s) applied)",
                         LABEL[self.family], self.setname, len(self.bans))
            self.pending.update(self.bans)
            self._fill(list(self.bans.items()), now)
            return True

    def _ensure_set(self):
        try:
            self.kernel.ensure(self.setname, self.spec)
        except SetMismatch as e:
            self._replace(e)

    def _replace(self, mismatch):
        """An EMPTY leftover set with other settings is replaced; one holding entries is kept."""
        held = len(self.kernel.members(self.setname))
        if held:
            raise Down("%s and holds %d entries, so it is left as it is: destroy it (ipset destroy %s, "
                       "after deleting the firewall rules that use it) or give the jail another name="
                       % (mismatch, held, self.setname))
        if not mismatch.info.references:
            self.kernel.destroy(self.setname)
            self.kernel.create(self.setname, self.spec)
        else:
            # in use by a rule: build the new set aside and swap it in (same type and family only)
            spare = self.setname[:27] + ".new"
            self.kernel.destroy(spare)
            self.kernel.create(spare, self.spec)
            try:
                self.kernel.swap(spare, self.setname)
            except IpsetError as e:
                raise Down("%s; it is empty but a firewall rule uses it and it cannot be swapped (%s): "
                           "delete that rule, then ipset destroy %s" % (mismatch, e, self.setname))
            finally:
                self.kernel.destroy(spare)
        self.log(WARNING, "replaced the empty leftover ipset %s (it was %s)", self.setname,
                 describe(mismatch.info))

    def _ensure_rules(self):
        """Insert missing rules, keeping their order (refresh before hook): count of re-inserted."""
        rules = self.rules()
        missing = [r for r in rules if not self.firewall.has(self.family, r)]
        if missing and len(missing) < len(rules):
            for rule in rules:
                self.firewall.remove(self.family, rule)
        for rule in reversed(rules if missing else []):
            self.firewall.ensure(self.family, rule)
        return len(missing)

    def _down(self, reason):
        self.ready = False
        self.pending.update(self.bans)
        if reason != self.problem:
            self.problem = reason
            self.log(ERROR, "%s bans are NOT enforced: %s; they are kept (%d now) and applied as soon as "
                     "this works (checked every %gs); %s bans are not affected", LABEL[self.family], reason,
                     len(self.bans), self.params.checkinterval, LABEL[10 - self.family])

    def stop(self):
        """Remove the rules and destroy the set: [error messages]."""
        errors = []
        with self.lock:
            self.ready = False
            for rule in self.rules():
                try:
                    self.firewall.remove(self.family, rule)
                except FirewallError as e:
                    errors.append(str(e))
            try:
                self.kernel.destroy(self.setname)
            except IpsetError as e:
                errors.append(str(e))
        return errors

    # -- periodic check --------------------------------------------------------------------------

    def check(self, now):
        """Make the kernel agree with fail2ban's bans again (see the module docstring)."""
        with self.lock:
            if not self.ready:
                return self.up(now)
            try:
                info = self.kernel.info(self.setname)
                if info is None or not matches(info, self.spec):
                    self.log(WARNING, "ipset %s %s: re-creating it with %d ban(s)", self.setname,
                             "was destroyed" if info is None else "was replaced (%s)" % describe(info),
                             len(self.bans))
                    self.ready = False
                    return self.up(now)
                rules = self.rules()
                if info.references < sum(rule.count(self.setname) for rule in rules):
                    # each rule holds a reference per mention of the set (match, SET target)
                    missing = self._ensure_rules()
                    if missing:
                        self.log(WARNING, "%d firewall rule(s) using ipset %s were missing: re-inserted",
                                 missing, self.setname)
                self._verify_members(info, now)
                if self.pending:
                    self._drain(now)
                self._rearm_long(now)
            except (IpsetError, FirewallError):
                # a fault may still be under way (rules flushed, then the set destroyed): set up
                # from scratch once; the family is reported down only if that fails too
                self.ready = False
                return self.up(now)
            return self.ready

    def _verify_members(self, info, now):
        """Re-add bans missing from the set (ipset flush, del): listed only when the count is short."""
        if info.elements is not None and info.elements >= len(self.bans) - len(self.pending):
            return
        present = self.kernel.members(self.setname)
        missing = [(ip, end) for ip, end in self.bans.items() if ip not in present and ip not in self.pending]
        if missing:
            self._fill(missing, now)
            self.log(WARNING, "%d ban(s) were missing from ipset %s: re-added with their remaining time",
                     len(missing), self.setname)

    def _rearm_long(self, now):
        """Re-add bans longer than the kernel's cap shortly before their capped timeout runs out."""
        for ip, when in list(self.rearm.items()):
            if now >= when and ip in self.bans:
                self._add(ip, self.bans[ip], now)
