"""The puller's kernel side: dedicated ipsets hooked into the firewall, kept equal to a wanted
state with kernel timeouts.

Per address family one ``hash:ip`` set for Ip decisions and one ``hash:net`` set for Range
decisions (with ``nomatch`` exceptions for ignored addresses), each hooked by one iptables rule.
Sets and rules go through :mod:`f2btune.kernel` (netlink for entries, one iptables process per
rule check), the layer the ipset action uses.
"""
import time

from f2btune.fleet.ignore import family
from f2btune.kernel.ipset import TIMEOUT_MAX, Ipset, IpsetError, SetSpec
from f2btune.kernel.iptables import FirewallError, Iptables, hook_rule

MAXELEM = 262144
# re-add an entry whose decision outlives ipset's timeout cap this long before the kernel drops it
REARM_MARGIN = 86400


class SetsError(Exception):
    pass


def kernel_timeout(until, now):
    """Timeout (s) for an entry wanted until ``until``: the remaining time rounded up, capped."""
    return max(1, min(TIMEOUT_MAX, int(until - now + 0.999)))


class FleetSets(object):
    def __init__(self, stem, chain="INPUT", blocktype="DROP", maxelem=MAXELEM,
                 iptables="iptables", ip6tables="ip6tables", ipset=None):
        self.names = {("ip", 4): "f2bt-" + stem, ("ip", 6): "f2bt6-" + stem,
                      ("net", 4): "f2btn-" + stem, ("net", 6): "f2btn6-" + stem}
        self.chain, self.blocktype, self.maxelem = chain, blocktype, maxelem
        self.ipset = ipset or Ipset()
        self.fw = Iptables(iptables, ip6tables)
        self.families = set()       # families whose sets and rules are set up
        self.errors = {}            # family -> reason it is not
        self.armed = {}             # entry -> epoch the kernel drops it

    def name(self, entry):
        """The set of an entry text ("192.0.2.1" -> hash:ip, "198.51.100.0/24" -> hash:net)."""
        return self.names[("net" if "/" in entry else "ip", family(entry))]

    def setup(self):
        """Create the sets and hook rules of each family; a family that fails is reported in
        ``errors`` and the other one keeps working."""
        for family in (4, 6):
            try:
                for kind, stype in (("ip", "hash:ip"), ("net", "hash:net")):
                    self.ipset.ensure(self.names[(kind, family)], SetSpec(stype, family, self.maxelem))
                for kind in ("ip", "net"):
                    self.fw.ensure(family, self._rule(kind, family))
                self.families.add(family)
                self.errors.pop(family, None)
            except (IpsetError, FirewallError) as e:
                self.families.discard(family)
                self.errors[family] = str(e)
        return self.errors

    def _rule(self, kind, family):
        return hook_rule(family, self.names[(kind, family)], self.chain, "all", "", self.blocktype)

    def verify(self):
        """True when every set-up family still has its sets and rules (a firewall reload or
        ``ipset destroy`` removes them: the caller then sets up and re-syncs)."""
        for family in sorted(self.families):
            for kind in ("ip", "net"):
                if self.ipset.info(self.names[(kind, family)]) is None or \
                        not self.fw.has(family, self._rule(kind, family)):
                    return False
        return True

    def teardown(self):
        for family in (4, 6):
            for kind in ("ip", "net"):
                try:
                    self.fw.remove(family, self._rule(kind, family))
                except FirewallError:
                    pass
                try:
                    self.ipset.destroy(self.names[(kind, family)])
                except IpsetError:
                    pass
        self.families.clear()

    def members(self):
        """{set name: {entry: Member}} of the set-up families."""
        return dict((name, self.ipset.members(name)) for (kind, family), name in self.names.items()
                    if family in self.families)

    def sync(self, wanted, holes, now=None):
        """Make the sets hold exactly ``wanted`` {entry: until} plus the ``holes`` {range entry:
        [nomatch entries]}; returns the number of entries (re-)armed and removed."""
        now = time.time() if now is None else now
        self.armed.clear()
        add = dict((name, {}) for (kind, fam), name in self.names.items() if fam in self.families)
        for entry, until in wanted.items():
            if family(entry) not in self.families:
                continue
            t = kernel_timeout(until, now)
            entries = add[self.name(entry)]
            for hole in holes.get(entry, ()):
                entries[hole] = (t, True)
            entries[entry] = (t, False)
            self.armed[entry] = now + t
        removed = added = 0
        for name, have in self.members().items():
            for entry in have:
                if entry not in add[name] and self.ipset.delete(name, entry):
                    removed += 1
        for name, entries in add.items():
            batch = [(e, t, nomatch) for e, (t, nomatch) in entries.items()]
            for e in self.ipset.add_many(name, batch):
                self.ipset.add(name, *e)
            added += len(batch)
        return added, removed

    def add(self, entry, until, holes=(), now=None):
        now = time.time() if now is None else now
        if family(entry) not in self.families:
            return False
        t = kernel_timeout(until, now)
        name = self.name(entry)
        for hole in holes:
            self.ipset.add(name, hole, t, True)
        self.ipset.add(name, entry, t)
        self.armed[entry] = now + t
        return True

    def remove(self, entry, holes=()):
        self.armed.pop(entry, None)
        if family(entry) not in self.families:
            return False
        name = self.name(entry)
        gone = self.ipset.delete(name, entry)
        for hole in holes:
            self.ipset.delete(name, hole)
        return gone

    def due(self, wanted, now=None):
        """Entries whose kernel timeout ends before their decision and within REARM_MARGIN."""
        now = time.time() if now is None else now
        return [e for e, until in wanted.items()
                if e in self.armed and self.armed[e] < until - 1 and self.armed[e] < now + REARM_MARGIN]
