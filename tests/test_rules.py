"""f2btune/rules.py: rule text, option checks, and the rules really loaded and working in namespaces."""
import os

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
