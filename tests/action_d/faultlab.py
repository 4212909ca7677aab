"""A lab for fault injection: a real fail2ban-server banning with f2btune-ipset.py in a victim
namespace, an attacker namespace joined by veth, bystander firewall objects, and snapshots.

Bans are made with ``fail2ban-client set JAIL banip`` (fail2ban's own ban path); enforcement is
checked with real packets (a SYN from the banned source gets no answer).  Set
F2BTUNE_IPSET_ACTION_FILE to a copy of another version of the action to run the same faults
against it.
"""
import math
import os
import shutil
import time

from f2btune import netns, paths
from tests.e2e.conftest import ATTACKER4, ATTACKER6, FRIEND4, JAIL, PORT, VICTIM4, VICTIM6, Lab

SETS = ("f2bt-synflood", "f2bt6-synflood")
EXTRA4 = ("192.0.2.67", "192.0.2.68")       # more attacker addresses (full-set fault)
BYSTANDER_SET = "f2bt-bystander"


class FaultLab(Lab):
    """The e2e lab without kernel LOG rules or rsyslog: bans come from fail2ban-client."""

    def __init__(self, tmp, **options):
        Lab.__init__(self, tmp, "f2btune-ipset.py")
        self.options = dict(name="synflood", port=str(PORT), checkinterval="1")
        self.options.update(options)

    def up(self, leftover=()):
        self.attacker.create()
        self.victim.create()
        netns.veth(self.attacker.name, self.victim.name, "b4fa%d%d" % (os.getpid(), Lab.count), self.ifname,
                   (ATTACKER4 + "/24", FRIEND4 + "/24", ATTACKER6 + "/64") + tuple(a + "/24" for a in EXTRA4),
                   (VICTIM4 + "/24", VICTIM6 + "/64"))
        for tool in ("iptables", "ip6tables"):
            # bystanders: rules and a set that belong to someone else
            self.sh("%s -w -A INPUT -p udp --dport 9 -j ACCEPT" % tool)
            self.sh("%s -w -t mangle -A PREROUTING -p udp --dport 9 -j ACCEPT" % tool)
        self.sh("ipset create %s hash:ip && ipset add %s 198.51.100.9" % (BYSTANDER_SET, BYSTANDER_SET))
        for command in leftover:
            self.sh(command)
        self._write_config()

    def down(self):
        try:
            self.f2b("stop", check=False)
        finally:
            self.victim.delete()
            self.attacker.delete()

    def _write_config(self):
        paths.build_confdir(self.confdir)
        other = os.environ.get("F2BTUNE_IPSET_ACTION_FILE")
        if other:
            shutil.copyfile(other, os.path.join(self.confdir, "action.d", "f2btune-ipset.py"))
        open(self.kernlog, "a").close()
        with open(os.path.join(self.confdir, "fail2ban.local"), "w") as f:
            f.write("[Definition]\nloglevel = INFO\nlogtarget = %s\nsocket = %s\npidfile = %s\n"
                    "dbfile = %s\n" % (self.f2blog, os.path.join(self.tmp, "f2b.sock"),
                                       self.pidfile, os.path.join(self.tmp, "f2b.sqlite3")))
        opts = ", ".join('%s="%s"' % kv for kv in sorted(self.options.items()))
        with open(os.path.join(self.confdir, "jail.d", "zz-faults.local"), "w") as f:
            f.write("[%s]\nenabled = true\nlogpath = %s\nbackend = polling\nbantime = 600\n"
                    "action = f2btune-ipset.py[%s]\n" % (JAIL, self.kernlog, opts))

    @property
    def pidfile(self):
        return os.path.join(self.tmp, "f2b.pid")

    def sh(self, command):
        """A shell command in the victim namespace (the fault, or an admin's fix)."""
        return self.victim.run(["sh", "-c", command]).stdout

    def log(self, level):
        with open(self.f2blog) as f:
            return [line.rstrip("\n") for line in f if " %s " % level in line and "f2btune-ipset" in line]

    # -- enforcement ---------------------------------------------------------------------------

    def dropped(self, *sources):
        return all(self.probe(VICTIM6 if ":" in s else VICTIM4, s) == "dropped" for s in sources)

    def wait_dropped(self, since, *sources, deadline=30):
        """Poll with real packets until every source is dropped: seconds from ``since`` to the first
        probe round that found them all dropped (an upper bound of the enforcement gap)."""
        end = time.time() + deadline
        while time.time() < end:
            t = time.time()
            if self.dropped(*sources):
                return t - since
            time.sleep(0.1)
        raise AssertionError("%s not dropped within %ss\n--- fail2ban.log:\n%s" % (
            ", ".join(sources), deadline, self.tail(self.f2blog)))

    def timeouts_match_fail2ban(self):
        """Every ban fail2ban holds is in the kernel with the time fail2ban has left ([] if so)."""
        t0 = time.time()
        kernel = dict(self.kernel(4), **self.kernel(6))
        t1 = time.time()
        wrong = []
        for ip, end in self.ends().items():
            # fail2ban prints the end to the second: one second of slack each way
            if not (ip in kernel and math.floor(end - t1) - 2 <= kernel[ip] <= math.ceil(end - t0) + 1):
                wrong.append((ip, kernel.get(ip), end - t0))
        return wrong

    # -- snapshots -----------------------------------------------------------------------------

    def snapshot(self):
        """{"rules": set of "fam table -A ..." lines, "sets": {name: (settings, members)}}."""
        rules = set()
        for family, tool in (("4", "iptables-save"), ("6", "ip6tables-save")):
            table = None
            for line in self.victim.run([tool]).stdout.splitlines():
                if line.startswith("*"):
                    table = line[1:]
                elif line.startswith("-A"):
                    rules.add("%s %s %s" % (family, table, line))
        sets = {}
        for line in self.victim.run(["ipset", "save"]).stdout.splitlines():
            parts = line.split()
            if parts[0] == "create":
                words = parts[2:]
                # initval is random per set, hashsize grows with the entries
                keep = [w for k, w in enumerate(words) if w not in ("initval", "hashsize")
                        and (k == 0 or words[k - 1] not in ("initval", "hashsize"))]
                sets[parts[1]] = (" ".join(keep), set())
            elif parts[0] == "add":
                sets[parts[1]][1].add(parts[2])
        return {"rules": rules, "sets": sets}


def ours(line):
    return any(" %s " % name in line + " " for name in SETS)
