"""f2btune-synflood through fail2ban's real Filter: generator output, attack cases, modes."""
import ipaddress
import os

import pytest

from f2btune.f2b import make_filter, quiet_logging
from f2btune.suggest.prove import failures

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FILTER = os.path.join(ROOT, "filter.d", "f2btune-synflood.conf")


def flt(**options):
    quiet_logging()
    return make_filter(FILTER, options=options)


def norm(a):
    return None if a is None else ipaddress.ip_address(a).compressed


@pytest.mark.parametrize("fmt,options", [
    ("syslog", {}),
    ("rfc3339", {}),
    ("ulogd", {"logtype": "ulogd"}),
])
def test_flood_generator_lines(fmt, options):
    """Every SYN line `f2btune flood` writes is matched with its source, noise never."""
    from f2btune.flood import iter_lines
    recs = list(iter_lines(2000, sources=50, fmt=fmt, ipv6=0.3, noise=0.2, seed=7))
    got = failures(flt(**options), [r.text for r in recs])
    assert sum(r.src is not None for r in recs) > 1000
    assert any(r.src and ":" in r.src for r in recs)
    assert [norm(g) for g in got] == [norm(r.src) for r in recs]


def test_custom_prefix_from_generator():
    from f2btune.flood import iter_lines
    recs = list(iter_lines(300, prefix="[UFW BLOCK] ", noise=0.2, seed=2))
    got = failures(flt(logprefix=r"\[UFW BLOCK\] "), [r.text for r in recs])
    assert [norm(g) for g in got] == [norm(r.src) for r in recs]
    # the default prefix does not take another rule's lines
    assert failures(flt(), [r.text for r in recs]) == [None] * len(recs)


LINE = ("Aug 14 11:59:01 pi kernel: [ 4242.123456] f2b-syn: IN=eth0 OUT= MAC=aa:bb SRC=192.0.2.7 "
        "DST=192.0.2.1 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=0 DF PROTO=TCP SPT=40000 DPT=22 "
        "WINDOW=64240 RES=0x00 SYN URGP=0 ")


@pytest.mark.parametrize("variant,expected", [
    (LINE, "192.0.2.7"),
    (LINE.replace(" SYN ", " ACK SYN "), None),                      # SYN-ACK backscatter
    (LINE.replace(" SYN ", " SYN ACK "), None),
    (LINE.replace("SRC=192.0.2.7", "SRC=0.0.0.0"), None),
    (LINE.replace("PROTO=TCP SPT=40000 DPT=22 WINDOW=64240 RES=0x00 SYN URGP=0",
                  "PROTO=UDP SPT=40000 DPT=22 LEN=8"), None),
    (LINE.replace("kernel:", "sshd[1]:"), None),                    # another program
    (LINE.replace("f2b-syn: ", "x f2b-syn: "), None),                # text before the prefix
    (LINE.replace("MAC=aa:bb SRC=192.0.2.7", "MAC=aa:bb SRC=192.0.2.7 SRC=198.51.100.1"), None),
])
def test_attack_and_near_miss(variant, expected):
    assert failures(flt(), [variant]) == [expected]


def test_modes():
    udp = LINE.replace("PROTO=TCP SPT=40000 DPT=22 WINDOW=64240 RES=0x00 SYN URGP=0", "PROTO=UDP SPT=1 DPT=53 LEN=8")
    synack = LINE.replace(" SYN ", " ACK SYN ")
    icmp = LINE.replace("PROTO=TCP SPT=40000 DPT=22 WINDOW=64240 RES=0x00 SYN URGP=0", "PROTO=ICMP TYPE=8 CODE=0 ID=1 SEQ=1")
    lines = [LINE, udp, synack, icmp]
    assert failures(flt(), lines) == ["192.0.2.7", None, None, None]
    assert failures(flt(mode="any"), lines) == ["192.0.2.7"] * 3 + [None]
    ban = [l.replace("f2b-syn: ", "f2b-ban: ") for l in lines]
    assert failures(flt(mode="ban", logprefix="f2b-ban: "), ban) == ["192.0.2.7"] * 4
    assert failures(flt(mode="ban", logprefix="f2b-ban: "), lines) == [None] * 4


def test_explicit_datepatterns():
    """No date auto-detection: the filter carries its own cheap patterns."""
    from f2btune.f2b import filter_commands
    cmds = {c[2]: c[3] for c in filter_commands(FILTER) if c[0] == "set"}
    assert cmds["datepattern"].split("\n") == ["^%b %d %H:%M:%S", r"^%Y-%m-%dT%H:%M:%S(?:\.%f)?%z"]
    cmds = {c[2]: c[3] for c in filter_commands(FILTER, backend="systemd") if c[0] == "set"}
    assert cmds["datepattern"] == "{NONE}"
    assert "<ADDR>" in cmds["addfailregex"] and "<HOST>" not in cmds["addfailregex"]
