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


def _journal_entry(record):
    """A journal-export record as python-systemd's Reader hands it to fail2ban (converted fields)."""
    from systemd import journal
    entry = {}
    for field in record.split("\n"):
        key, value = field.split("=", 1)
        if key == "__REALTIME_TIMESTAMP":
            entry[key] = journal.DEFAULT_CONVERTERS[key](int(value))
        elif not key.startswith("__"):
            entry[key] = journal.DEFAULT_CONVERTERS.get(key, bytes.decode)(value.encode())
    return entry


def test_flood_generator_journal_export():
    """`f2btune flood --format journal-export` records, rebuilt by fail2ban's own systemd backend
    (FilterSystemd.formatJournalEntry) and passed to logtype=journal as that backend does."""
    pytest.importorskip("systemd.journal", reason="python3-systemd not installed")
    from fail2ban.server.filtersystemd import FilterSystemd
    from f2btune.flood import iter_lines
    quiet_logging()
    reader = FilterSystemd(None)
    f = flt(logtype="journal")
    recs = list(iter_lines(2000, sources=50, fmt="journal-export", ipv6=0.3, noise=0.2, seed=7))
    got = []
    for r in recs:
        fails = f.processLine(*reader.formatJournalEntry(_journal_entry(r.text)))
        got.append(str(fails[0][1]) if fails else None)
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
    """Cheap patterns for the common stamps first, fail2ban's line-begin detection after them."""
    from f2btune.f2b import filter_commands
    cmds = {c[2]: c[3] for c in filter_commands(FILTER) if c[0] == "set"}
    assert cmds["datepattern"].split("\n") == [r"^%b %d %H:%M:%S(?:\.%f)?(?: %ExY)?",
                                               r"^%Y-%m-%dT%H:%M:%S(?:\.%f)?%z", "{^LN-BEG}"]
    cmds = {c[2]: c[3] for c in filter_commands(FILTER, backend="systemd") if c[0] == "set"}
    assert cmds["datepattern"] == "{NONE}"
    assert "<HOST>" not in cmds["addfailregex"]


@pytest.mark.parametrize("logtype,tag", [("file", None), ("journal", None), ("ulogd", "<ADDR>")])
def test_address_group_per_logtype(logtype, tag):
    """Kernel printing (file, journal): strict ip4/ip6 groups; ulogd2 (inet_ntop): <ADDR>."""
    from f2btune.f2b import filter_commands
    text = "\n".join(str(c[3]) for c in filter_commands(FILTER, options={"logtype": logtype})
                     if c[2] == "addfailregex")
    assert "<HOST>" not in text
    if tag:
        assert tag in text
    else:
        assert "<ADDR>" not in text and "(?P<ip4>" in text and "(?P<ip6>" in text


# IPv6 as the kernel prints it (%pI6: 8 x 4 lower-case hex digits) and the forms it never prints.
LINE6 = LINE.replace("SRC=192.0.2.7 DST=192.0.2.1 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=0 DF",
                     "SRC=2001:0db8:0000:0000:0000:0000:0000:0bad DST=2001:0db8:0000:0000:0000:0000:0000:0001 "
                     "LEN=80 TC=0 HOPLIMIT=64 FLOWLBL=0")
MAPPED = LINE6.replace("SRC=2001:0db8:0000:0000:0000:0000:0000:0bad", "SRC=0000:0000:0000:0000:0000:ffff:c000:0201")


@pytest.mark.parametrize("variant,expected", [
    (LINE6, "2001:db8::bad"),
    (LINE6.replace("SRC=2001:0db8:0000:0000:0000:0000:0000:0bad", "SRC=2001:db8::bad"), None),  # not %pI6
    (LINE6.replace("SRC=2001:0db8:0000:0000:0000:0000:0000:0bad", "SRC=[2001:0db8:0000:0000:0000:0000:0000:0bad]"),
     None),
    (LINE.replace("SRC=192.0.2.7", "SRC=::ffff:192.0.2.7"), None),
    (LINE.replace("SRC=192.0.2.7", "SRC=1920.2.7.1"), None),
    (LINE6.replace("SRC=2001:0db8:0000:0000:0000:0000:0000:0bad", "SRC=0000:0000:0000:0000:0000:0000:0000:0000"),
     None),
])
def test_kernel_address_forms(variant, expected):
    assert [norm(f) for f in failures(flt(), [variant])] == [expected]
    # the same message from the journal (fail2ban's systemd backend: no date in the text)
    journal_line = variant.split(" ", 3)[3]
    assert [norm(f) for f in failures(flt(logtype="journal"), [journal_line], journal=True)] == [expected]


def test_ipv4_mapped_source_is_the_ipv4_address():
    """The kernel prints an IPv4-mapped SRC fully expanded; fail2ban's IPAddr reads it as the
    IPv4 address (also through <ADDR>), and f2btune-ipset.py bans it in the IPv4 set."""
    import importlib.util
    from fail2ban.server.ipdns import IPAddr
    quiet_logging()
    f = flt()
    fails = f.processLine(MAPPED)
    assert len(fails) == 1
    ip = fails[0][1]
    assert isinstance(ip, IPAddr) and ip.isIPv4 and str(ip) == "192.0.2.1"
    # the same address the previous, <ADDR>-based expression extracted (and the seed regex)
    assert failures(make_filter(failregex=r"SRC=<ADDR> DST="), [MAPPED]) == ["192.0.2.1"]
    # and the ban action's family choice for it
    spec = importlib.util.spec_from_file_location("f2btune_ipset_action", os.path.join(ROOT, "action.d",
                                                                                        "f2btune-ipset.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    target = mod.Action._target({"ip": ip, "bantime": 600, "time": 0})
    assert target[:2] == ("192.0.2.1", 4)


def test_ulogd_compressed_ipv6():
    """ulogd2 prints IPv6 with inet_ntop: compressed forms are matched there."""
    line = ("Aug 14 11:59:01 pi f2b-syn:  IN=eth0 OUT= MAC=aa:bb SRC=2001:db8::bad DST=2001:db8::1 LEN=80 TC=0 "
            "HOPLIMIT=64 FLOWLBL=0 PROTO=TCP SPT=40000 DPT=22 SEQ=1 ACK=0 WINDOW=64240 SYN URGP=0 MARK=0 ")
    assert failures(flt(logtype="ulogd"), [line]) == ["2001:db8::bad"]
