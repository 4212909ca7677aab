# SPDX-License-Identifier: GPL-2.0-or-later
"""The iptables / ip6tables rules that hook an ipset into the firewall (one process per call).

Works with both iptables back-ends (nft and legacy).  A rule is an argument list after
-I/-A/-C/-D, e.g. ``["INPUT", "-m", "set", "--match-set", "f2bt-x", "src", "-j", "DROP"]``.
"""
import os
import shlex
import shutil
import subprocess

ALL_PORTS = ("", "all", "any", "0:65535", "1:65535")


class FirewallError(Exception):
    """iptables is missing or refused a rule; ``str()`` says why in one line."""


def hook_rule(family, setname, chain, protocol, port, blocktype):
    """The rule sending sources in ``setname`` to ``blocktype`` (IPv6 gets icmp6-* reject types)."""
    rule = [chain]
    if protocol != "all":
        rule += ["-p", protocol]
        if port.lower() not in ALL_PORTS:
            rule += ["-m", "multiport", "--dports", port]
    rule += ["-m", "set", "--match-set", setname, "src", "-j"]
    target = shlex.split(blocktype)
    if family == 6:
        target = [t.replace("icmp-", "icmp6-") if t.startswith("icmp-") else t for t in target]
        target = ["icmp6-adm-prohibited" if t == "icmp6-admin-prohibited" else t for t in target]
    return rule + target


def refresh_rule(setname, chain, timeout):
    """The rule re-arming a listed source's timeout on each of its packets (placed before the hook)."""
    return [chain, "-m", "set", "--match-set", setname, "src",
            "-j", "SET", "--add-set", setname, "src", "--exist", "--timeout", str(timeout)]


class Iptables(object):
    """iptables (family 4) and ip6tables (family 6), by name in PATH or absolute path."""

    def __init__(self, iptables="iptables", ip6tables="ip6tables"):
        self.binaries = {4: iptables, 6: ip6tables}

    def _run(self, family, args):
        exe = self.binaries[family]
        path = shutil.which(exe) or (exe if os.path.isabs(exe) and os.access(exe, os.X_OK) else None)
        if not path:
            raise FirewallError("%s not found (install the iptables package)" % exe)
        try:
            p = subprocess.run([path, "-w"] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               universal_newlines=True)
        except OSError as e:
            raise FirewallError("%s cannot run: %s" % (exe, e))
        lines = [line.strip() for line in p.stdout.splitlines() if line.strip()]
        return p.returncode, lines[0].rstrip(".") if lines else ""   # then only "Try iptables -h"

    def has(self, family, rule):
        return self._run(family, ["-C"] + rule)[0] == 0

    def ensure(self, family, rule, first=True):
        """Insert ``rule`` (at the top, or appended) unless present: True if it was added."""
        if self.has(family, rule):
            return False
        rc, out = self._run(family, (["-I", rule[0], "1"] if first else ["-A", rule[0]]) + rule[1:])
        if rc:
            raise FirewallError("%s could not add the rule '%s': %s" % (
                self.binaries[family], " ".join(rule), out or "exit status %d" % rc))
        return True

    def remove(self, family, rule):
        """Delete every copy of ``rule`` (a killed server may have left one behind)."""
        for _ in range(16):
            if self._run(family, ["-D"] + rule)[0]:
                return
