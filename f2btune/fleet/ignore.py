"""What ``fleet pull`` must never block: the union of the local jails' ``ignoreip``.

Read with fail2ban's own configuration readers (as ``f2btune check`` does).  Entries are
addresses and CIDR networks; host names are resolved once, at start; ``ignoreself`` (fail2ban's
default) adds this host's own addresses, found by fail2ban's ``DNSUtils.getSelfIPs``.  Loopback
is always ignored.

A Range decision (hash:net) that contains an ignored address or network gets that part as an
ipset ``nomatch`` exception in the same set; a Range that lies inside an ignored network is
skipped.  An Ip decision for an ignored address is skipped.
"""
import ipaddress
import re

ALWAYS = ("127.0.0.0/8", "::1/128")


def parse_entries(text, resolve=True):
    """[ip_network] from an ``ignoreip`` value; host names resolved when ``resolve``."""
    nets = []
    for word in re.split(r"[\s,]+", text or ""):
        if not word:
            continue
        try:
            nets.append(ipaddress.ip_network(word, strict=False))
            continue
        except ValueError:
            pass
        if resolve and re.match(r"^[A-Za-z0-9.-]+$", word):
            from fail2ban.server.ipdns import DNSUtils
            for ip in DNSUtils.dnsToIp(word) or ():
                nets.append(ipaddress.ip_network(str(ip)))
    return nets


def from_confdir(confdir, resolve=True):
    """The ignored networks of every enabled jail in fail2ban configuration ``confdir``."""
    from f2btune.check.config import load
    nets = [ipaddress.ip_network(n) for n in ALWAYS]
    selfips = False
    for jail in load(confdir).jails:
        nets.extend(parse_entries(jail.options.get("ignoreip", ""), resolve))
        if str(jail.options.get("ignoreself", "true")).lower() in ("true", "1", "yes", "on"):
            selfips = True
    if selfips:
        from fail2ban.server.ipdns import DNSUtils
        for ip in DNSUtils.getSelfIPs() or ():
            try:
                nets.append(ipaddress.ip_network(str(ip)))
            except ValueError:
                pass
    return collapse(nets)


def collapse(nets):
    out = []
    for version in (4, 6):
        out.extend(ipaddress.collapse_addresses(n for n in nets if n.version == version))
    return out


class IgnoreList(object):
    def __init__(self, nets):
        self.nets = collapse(nets)

    def plan(self, value):
        """(entry to block or None when skipped, [nomatch entries inside it]).

        Entries are canonical ipset texts: "192.0.2.1", "2001:db8::1" for addresses (an
        IPv4-mapped IPv6 address becomes IPv4), "198.51.100.0/24" for networks.
        """
        value = str(value)
        try:
            if "/" not in value:
                addr = ipaddress.ip_address(value)
                if addr.version == 6 and addr.ipv4_mapped:
                    addr = addr.ipv4_mapped
                if any(addr in ign for ign in self.nets if ign.version == addr.version):
                    return None, []
                return str(addr), []
            net = ipaddress.ip_network(value, strict=False)
        except ValueError:
            return None, []
        if net.prefixlen == net.max_prefixlen:
            return self.plan(str(net.network_address))
        holes = []
        for ign in self.nets:
            if ign.version != net.version:
                continue
            if net.subnet_of(ign):
                return None, []
            if ign.subnet_of(net):
                holes.append(entry_text(ign))
        return str(net), holes


def entry_text(net):
    """The ipset entry text of a network: the bare address for a host network."""
    return str(net.network_address) if net.prefixlen == net.max_prefixlen else str(net)


def family(entry):
    return 6 if ":" in entry else 4
