"""A cheap, conservative reading of the jail's ignore rules (ignoreip, ignoreself).

fail2ban's own check (``Filter._inIgnoreIPList``) builds an ``IPAddr`` per address, tens of
microseconds; the backend asks it once per address that reaches maxretry.  Before that,
to count an address itself (see :mod:`.pending`), the backend must know the address is
surely not ignored: :meth:`SurelyKept.kept` says so only when the rules are plain
addresses and networks (no DNS name, no ``ignorecommand``) and the address, read as an
integer, is in none of them.  Any doubt answers False and leaves the address to fail2ban.
"""
import socket
import time

from fail2ban.server.ipdns import DNSUtils

ALL4, ALL6 = (1 << 32) - 1, (1 << 128) - 1


REFRESH_S = 1.0               # the rules are re-read this often, and after the filter's setters


class SurelyKept(object):
    __slots__ = ("flt", "key", "nets4", "nets6", "due")

    def __init__(self, flt):
        self.flt = flt
        self.key = None
        self.nets4 = self.nets6 = None      # None: the rules cannot be read cheaply
        self.due = 0.0                      # monotonic time of the next re-read; 0: at once

    def refresh(self):
        """Re-read the rules when they changed: at most every ``REFRESH_S``, and at the next
        batch after ``changed()``.  Only an optimisation rests on this reading: every
        address that reaches maxretry still goes through fail2ban's own ignore check."""
        now = time.monotonic()
        if now < self.due:
            return
        self.due = now + REFRESH_S
        flt = self.flt
        ignore_self = flt.ignoreSelf
        selfips = DNSUtils.getSelfIPs() if ignore_self else ()
        rules = flt.getIgnoreIP()
        key = (tuple(str(r) for r in rules), ignore_self, id(selfips), flt.ignoreCommand)
        if key == self.key:
            return
        self.key = key
        self.nets4 = self.nets6 = None
        if flt.ignoreCommand:
            return
        nets4, nets6 = [], []
        for ip in list(rules) + list(selfips or ()):
            if not ip.isValid:                  # a DNS name: only fail2ban can tell
                return
            if ip.isIPv4:
                mask = ALL4 ^ ((1 << (32 - ip.plen)) - 1)
                nets4.append((ip.addr & mask, mask))
            else:
                mask = ALL6 ^ ((1 << (128 - ip.plen)) - 1)
                nets6.append((ip.addr & mask, mask))
        self.nets4, self.nets6 = nets4, nets6

    def changed(self):
        self.due = 0.0

    def kept(self, text):
        """True when fail2ban would surely not ignore the address ``text`` (its id text).
        Asked for addresses new to the counter, mostly seen once under a flood: not memoised."""
        nets = self.nets4
        if nets is None:
            return False
        try:
            if ":" in text:
                n, nets = int.from_bytes(socket.inet_pton(socket.AF_INET6, text), "big"), self.nets6
            else:
                n = int.from_bytes(socket.inet_pton(socket.AF_INET, text), "big")
        except (OSError, ValueError):
            return False
        for net, mask in nets:
            if n & mask == net:
                return False
        return True
