"""f2btune/rules.py: rule text, option checks, and the rules really loaded and working in namespaces."""
import ipaddress
import os
import time

import pytest

from f2btune import netns, rules
from f2btune.errors import UsageError


@pytest.mark.parametrize("opts, message", [
    ({"rate": "20"}, "--rate must look like"),
    ({"rate": "0/second"}, "--rate must look like"),
    ({"log_rate": "lots"}, "--log-rate must look like"),
    ({"burst": 0}, "--burst must be between"),
    ({"burst": "x"}, "--burst must be an integer"),
    ({"port": "0"}, "--port must be"),
    ({"port": "22;ls"}, "--port must be"),
    ({"port": "70000"}, "--port must be"),
    ({"logprefix": "x" * 30}, "--logprefix must be 1-29"),
    ({"logprefix": 'a"b'}, "--logprefix must be"),
    ({"ban_logprefix": ""}, "--ban-logprefix must be"),
    ({"in_kernel_ban": 0}, "--in-kernel-ban must be between"),
    ({"in_kernel_ban": 2147484}, "--in-kernel-ban must be between"),
    ({"families": (5,)}, "families must be"),
])
def test_bad_options(opts, message):
    with pytest.raises(UsageError, match=message):
        rules.build("iptables", **opts)
    with pytest.raises(UsageError):
        rules.build("nft", **opts)


def test_unknown_backend():
    with pytest.raises(UsageError, match="--backend must be iptables or nft"):
        rules.build("pf")


def test_iptables_text_covers_both_families_prefixes_and_advice():
    text = rules.build("iptables", port="22", rate="10/second", burst=30).text()
    for family, binary in ((4, "iptables"), (6, "ip6tables")):
        assert "%s -w -A F2BTUNE -p tcp --syn -m hashlimit --hashlimit-name f2btune-syn%d " \
               "--hashlimit-mode srcip --hashlimit-above 10/second --hashlimit-burst 30" % (binary, family) in text
        assert "%s -w -C INPUT -p tcp --dport 22 -j F2BTUNE 2>/dev/null || " \
               "%s -w -I INPUT -p tcp --dport 22 -j F2BTUNE" % (binary, binary) in text
    assert text.count("-j LOG --log-prefix 'f2b-syn: '") == 2
    assert "--limit 5/second --limit-burst 10" in text
    assert "f2b-ban" not in text and "ipset" not in text
    assert "tcp_syncookies" in text and "SYNPROXY" in text


def test_in_kernel_ban_text_logs_with_the_ban_prefix():
    text = rules.build("iptables", in_kernel_ban=900).text(advice=False)
    assert "ipset create f2btune-ban4 hash:ip family inet timeout 900" in text
    assert "ipset create f2btune-ban6 hash:ip family inet6 timeout 900" in text
    assert "-j SET --add-set f2btune-ban6 src --exist --timeout 900" in text
    assert text.count("-j LOG --log-prefix 'f2b-ban: '") == 2 and "f2b-syn" not in text
    nft = rules.build("nft", in_kernel_ban=900, port="22,443").text(advice=False)
    assert "set ban6 { type ipv6_addr; flags dynamic,timeout; timeout 900s;" in nft
    assert 'log prefix "f2b-ban: "' in nft and "tcp dport { 22, 443 }" in nft


# -- the rules in a kernel ---------------------------------------------------------------------

@pytest.fixture
def pair(as_root):
    """Attacker and victim namespaces joined by a veth pair (documentation / ULA addresses)."""
    tag = "%d" % os.getpid()
    a, v = netns.Netns("f2bt-ban-ra" + tag), netns.Netns("f2bt-ban-rv" + tag)
    try:
        a.create()
        v.create()
        netns.veth(a.name, v.name, "b4ra" + tag, "b4rv" + tag,
                   ("198.51.100.1/24", "fd00:f2b4::1/64"), ("198.51.100.2/24", "fd00:f2b4::2/64"))
        yield a, v
    finally:
        a.delete()
        v.delete()


def _state(v, backend):
    if backend == "nft":
        return v.run(["nft", "list", "table", "inet", "f2btune"]).stdout
    return v.run(["iptables", "-S"]).stdout + v.run(["ip6tables", "-S"]).stdout


@pytest.mark.parametrize("backend", rules.BACKENDS)
def test_apply_is_idempotent_and_loads(pair, backend):
    _, v = pair
    rules.build(backend, port="22").apply(v.name)
    first = _state(v, backend)
    rules.build(backend, port="22").apply(v.name)
    assert _state(v, backend) == first
    if backend == "iptables":
        assert first.count("-A INPUT -p tcp -m tcp --dport 22 -j F2BTUNE") == 2   # v4 + v6
        # a changed port replaces the jump instead of adding a second one
        rules.build(backend, port="2222").apply(v.name)
        again = _state(v, backend)
        assert again.count("-j F2BTUNE\n") == 2 and "--dport 2222 -j F2BTUNE" in again
    else:
        assert "add @synrate6 { ip6 saddr limit rate over 20/second burst 40 packets } jump excess" in first


@pytest.mark.parametrize("backend", rules.BACKENDS)
def test_in_kernel_ban_bans_a_flooding_source_v4_and_v6(pair, backend):
    a, v = pair
    rules.build(backend, port="22", rate="5/second", burst=5, in_kernel_ban=120).apply(v.name)
    for dst in ("198.51.100.2", "fd00:f2b4::2"):
        netns.send_syns(a.name, dst, 22, 60)
    if backend == "nft":
        ban4 = v.run(["nft", "list", "set", "inet", "f2btune", "ban4"]).stdout
        ban6 = v.run(["nft", "list", "set", "inet", "f2btune", "ban6"]).stdout
    else:
        ban4 = v.run(["ipset", "list", "f2btune-ban4"]).stdout
        ban6 = v.run(["ipset", "list", "f2btune-ban6"]).stdout
    assert "198.51.100.1" in ban4
    assert "fd00:f2b4::1" in ban6


def test_limit_drops_and_logs_only_the_excess(pair):
    a, v = pair
    rules.build("iptables", port="22", rate="5/second", burst=5).apply(v.name)
    netns.send_syns(a.name, "198.51.100.2", 22, 40)
    counters = v.run(["iptables", "-w", "-L", "F2BTUNE-X", "-v", "-x", "-n"]).stdout
    pkts = {}
    for line in counters.splitlines()[2:]:
        f = line.split()
        pkts[f[2]] = int(f[0])
    # about 35 over the burst of 5; LOG capped at its burst of 10
    assert 25 <= pkts["DROP"] <= 35
    assert 10 <= pkts["LOG"] <= 11


# -- --verified: completed handshakes only -------------------------------------------------------

def test_verified_text_logs_handshakes_not_syns():
    text = rules.build("iptables", port="22", verified=True).text()
    for family, binary in ((4, "iptables"), (6, "ip6tables")):
        assert "%s -w -A F2BTUNE -p tcp --tcp-flags SYN,ACK,FIN,RST ACK -m conntrack --ctstate ESTABLISHED " \
               "--ctstatus ASSURED --ctdir ORIGINAL -m connmark --mark 0/0x10000000 -j F2BTUNE-X" % binary in text
        assert "--hashlimit-name f2btune-ver%d --hashlimit-mode srcip --hashlimit-above 20/second" % family in text
        assert "%s -w -I INPUT -p tcp --dport 22 -j F2BTUNE" % binary in text
    assert text.count("-j LOG --log-prefix 'f2b-ver: '") == 2 and text.count("CONNMARK --or-mark 0x10000000") == 2
    bare = rules.build("iptables", port="22", verified=True).text(advice=False)
    assert "--syn" not in bare and "-j DROP" not in bare and "f2b-syn" not in bare
    assert "nf_conntrack_max" in text and "tcp_syncookies" in text and "nf_conntrack_max" not in bare
    nft = rules.build("nft", port="22", verified=True).text(advice=False)
    assert "tcp dport 22 tcp flags & (syn|ack|fin|rst) == ack ct direction original ct state established " \
           "ct status assured ct mark & 0x10000000 == 0 jump verified" in nft
    table = nft.split("table inet f2btune {", 1)[1]
    assert 'log prefix "f2b-ver: "' in table and " drop" not in table and "synrate" not in table


def test_verified_options():
    with pytest.raises(UsageError, match="cannot be combined with --verified"):
        rules.build("iptables", verified=True, in_kernel_ban=60)
    with pytest.raises(UsageError, match="--verified-logprefix must be"):
        rules.build("nft", verified=True, verified_logprefix="")
    assert "'my-ver: '" in rules.build("iptables", verified=True, verified_logprefix="my-ver: ").text()


def _counted(v, backend, family):
    """The sources the verified rule counted (hashlimit table / nft meter set) in namespace ``v``."""
    if backend == "nft":
        return v.run(["nft", "list", "set", "inet", "f2btune", "connrate%d" % family]).stdout
    return v.run(["cat", "/proc/net/ip%st_hashlimit/f2btune-ver%d" % ("6" if family == 6 else "", family)]).stdout


def _has(listing, addr):
    """``addr`` (followed by its separator) in a listing, written compressed (nft) or expanded
    with a port (/proc/net/ip6t_hashlimit)."""
    ip = ipaddress.ip_address(addr.strip())
    return addr in listing or (" %s:" % (ip.exploded if ip.version == 6 else ip)) in listing


@pytest.mark.parametrize("backend", rules.BACKENDS)
def test_verified_counts_completed_handshakes_never_spoofed_sources(pair, backend):
    a, v = pair
    rules.build(backend, port="2222", rate="1/second", burst=1, log_rate="50/second", verified=True).apply(v.name)
    server = netns.serve(v.name, 2222)
    try:
        for dst in ("198.51.100.2", "fd00:f2b4::2"):
            deadline = time.time() + 20     # a fresh veth may need a moment before IPv6 flows
            while netns.probe(a.name, dst, 2222, timeout=0.5) != "open":
                assert time.time() < deadline, "no connection to %s" % dst
        before = netns.tcp_in_segs(v.name)
        # spoofed SYNs, each followed by a blind ACK, from on-link addresses nobody owns
        netns.send_spoofed(a.name, "198.51.100.2", 2222, "198.51.100.99", 30)
        netns.send_spoofed(a.name, "fd00:f2b4::2", 2222, "fd00:f2b4::99", 30)
        assert netns.tcp_in_segs(v.name) - before >= 120, "the spoofed packets did not reach TCP"
        netns.send_syns(a.name, "198.51.100.2", 2222, 10)
        netns.send_syns(a.name, "fd00:f2b4::2", 2222, 10)
        c4, c6 = _counted(v, backend, 4), _counted(v, backend, 6)
    finally:
        server.kill()
        server.wait()
    assert _has(c4, "198.51.100.1 ") and _has(c6, "fd00:f2b4::1 ")
    assert not _has(c4, "198.51.100.99 ") and not _has(c6, "fd00:f2b4::99 ")
    if backend == "iptables":
        counters = v.run(["iptables", "-w", "-L", "F2BTUNE-X", "-v", "-x", "-n"]).stdout.splitlines()[2:]
        marked, logged = (int(l.split()[0]) for l in counters)
        assert marked >= 11 and 9 <= logged < marked       # each connection once; over burst 1 logged
