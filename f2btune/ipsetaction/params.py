# SPDX-License-Identifier: GPL-2.0-or-later
"""The ipset action's parameters (keyword arguments from the jail's action line), checked once."""
import math
import re

from f2btune.kernel.ipset import MAXNAMELEN, TIMEOUT_MAX

TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off", "")
PROTOCOLS = ("tcp", "udp", "sctp", "udplite", "all")
DEFAULTS = dict(name=None, port="", protocol="tcp", chain="INPUT", blocktype="DROP", refresh="false",
                refreshtime=None, maxelem="65536", iptables="iptables", ip6tables="ip6tables",
                checkinterval="30")


def kernel_timeout(start, bantime, now, cap=TIMEOUT_MAX):
    """ipset timeout (s) for a ban that started at ``start`` and lasts ``bantime`` s.

    0 means permanent (bantime -1), None means the ban is already over.  The remaining time is
    rounded up, so the kernel never unbans before fail2ban, and capped at ``cap`` (ipset's
    limit): the caller re-arms a capped entry before it runs out.
    """
    bantime = float(bantime)
    if bantime < 0:
        return 0
    remaining = float(start) + bantime - float(now)
    if remaining <= 0:
        return None
    return min(int(math.ceil(remaining)), cap)


def parse_bool(name, value):
    v = str(value).strip().lower()
    if v in TRUE:
        return True
    if v in FALSE:
        return False
    raise ValueError("f2btune-ipset: %s must be true or false, not %r" % (name, value))


def parse_number(name, value, low, high, kind=int):
    try:
        v = kind(str(value).strip())
    except ValueError:
        raise ValueError("f2btune-ipset: %s must be %s, not %r" % (
            name, "an integer" if kind is int else "a number", value))
    if not low <= v <= high:
        raise ValueError("f2btune-ipset: %s must be between %s and %s, not %s" % (name, low, high, v))
    return v


def set_names(stem):
    """(IPv4 set, IPv6 set) names for a name stem; ValueError when too long or odd."""
    stem = str(stem).strip()
    if not stem or any(c.isspace() or c in "'\"\\,;$`" for c in stem):
        raise ValueError("f2btune-ipset: bad name %r" % stem)
    names = ("f2bt-" + stem, "f2bt6-" + stem)
    if len(names[1]) > MAXNAMELEN:
        raise ValueError("f2btune-ipset: name %r is too long (ipset names have at most %d "
                         "characters; pass a shorter name=)" % (stem, MAXNAMELEN - 6))
    return names


class Params(object):
    """Checked parameters; ValueError with a one-line message for a bad one."""

    def __init__(self, stem, options):
        o = dict(DEFAULTS)
        o.update((k, v) for k, v in options.items() if k in DEFAULTS)
        self.sets = dict(zip((4, 6), set_names(o["name"] or stem)))
        self.port = str(o["port"] or "").strip()
        if any(c.isspace() or c in "'\"\\;$`" for c in self.port):
            raise ValueError("f2btune-ipset: bad port %r" % o["port"])
        self.protocol = str(o["protocol"] or "tcp").strip().lower()
        if self.protocol not in PROTOCOLS:
            raise ValueError("f2btune-ipset: protocol must be %s or all, not %r"
                             % (", ".join(PROTOCOLS[:-1]), o["protocol"]))
        self.chain = str(o["chain"] or "INPUT").strip()
        if not re.match(r"^[A-Za-z0-9_.-]{1,28}$", self.chain):
            # e.g. "<known/chain>": jail.conf's tag is interpolated only for command actions
            raise ValueError("f2btune-ipset: bad chain %r" % o["chain"])
        self.blocktype = str(o["blocktype"] or "DROP").strip()
        if not self.blocktype:
            raise ValueError("f2btune-ipset: blocktype must not be empty")
        self.refresh = parse_bool("refresh", o["refresh"])
        self.refreshtime = (None if o["refreshtime"] in (None, "") else
                            parse_number("refreshtime", o["refreshtime"], 1, TIMEOUT_MAX))
        self.maxelem = parse_number("maxelem", o["maxelem"], 1, 2 ** 31 - 1)
        self.checkinterval = parse_number("checkinterval", o["checkinterval"], 0.1, 86400, float)
        self.binaries = (str(o["iptables"]), str(o["ip6tables"]))

    @staticmethod
    def ignored(options):
        """Keys the action does not use (jail.conf's action_* shortcuts pass some)."""
        return sorted(set(options) - set(DEFAULTS))
