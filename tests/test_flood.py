"""f2btune.flood: deterministic, well-formed, rate-consistent kernel LOG lines."""
import ipaddress
import os
import re
import shutil
import subprocess
import time

import pytest

from f2btune import flood
from tests.conftest import SCALE

N = max(500, int(4000 * SCALE))

# The LOG target's text for a TCP SYN (nf_log_syslog), parsed back field by field.
KERNEL_SYN = re.compile(
    r"IN=eth0 OUT= MAC=(?:[0-9a-f]{2}:){13}[0-9a-f]{2} "
    r"SRC=(?P<src>\S+) DST=(?P<dst>\S+) "
    r"(?:LEN=\d+ TOS=0x[0-9A-F]{2} PREC=0x00 TTL=\d+ ID=\d+ (?:DF )?"
    r"|LEN=\d+ TC=\d+ HOPLIMIT=\d+ FLOWLBL=\d+ )"
    r"PROTO=TCP SPT=\d+ DPT=\d+ WINDOW=\d+ RES=0x00 SYN URGP=0 $")
SYSLOG = re.compile(r"^(?P<stamp>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) raspberrypi kernel: "
                    r"\[ *(?P<up>\d+\.\d{6})\] (?P<rest>.*)$")
RFC3339 = re.compile(r"^(?P<stamp>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d) raspberrypi "
                     r"kernel: \[ *(?P<up>\d+\.\d{6})\] (?P<rest>.*)$")
ULOGD = re.compile(
    r"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d raspberrypi f2b-syn: IN=eth0 OUT= MAC=\S+ "
    r"SRC=(?P<src>\S+) DST=\S+ .*PROTO=TCP SPT=\d+ DPT=\d+ SEQ=\d+ ACK=0 WINDOW=\d+ SYN URGP=0 MARK=0 $")
EXPANDED6 = re.compile(r"^[0-9a-f]{4}(?::[0-9a-f]{4}){7}$")


def test_same_seed_same_text_other_seed_other_text():
    a = [r.text for r in flood.iter_lines(300, seed=7)]
    b = [r.text for r in flood.iter_lines(300, seed=7)]
    c = [r.text for r in flood.iter_lines(300, seed=8)]
    assert a == b
    assert a != c


def test_syslog_lines_parse_back_as_the_log_target_writes_them():
    seen6 = 0
    for rec in flood.iter_lines(N, ipv6=0.3, noise=0.2, seed=3):
        m = SYSLOG.match(rec.text)
        assert m, rec.text
        assert m.group("stamp") == flood.stamp_3164(rec.time)
        rest = m.group("rest")
        if rec.src is None:
            assert not KERNEL_SYN.search(rest), "noise must never be a SYN: " + rest
            continue
        assert rest.startswith("f2b-syn: IN=")
        k = KERNEL_SYN.search(rest)
        assert k, rest
        assert rest.endswith("URGP=0 ")  # the kernel's trailing space
        src = k.group("src")
        if ":" in rec.src:
            seen6 += 1
            assert EXPANDED6.match(src), src  # %pI6: fully expanded
            assert EXPANDED6.match(k.group("dst"))
            assert ipaddress.ip_address(src) == ipaddress.ip_address(rec.src)
        else:
            assert src == rec.src
            assert ipaddress.ip_address(src).is_global
    assert seen6 > 0


def test_rfc3339_and_ulogd_formats():
    for rec in flood.iter_lines(200, fmt="rfc3339", noise=0.0, seed=4):
        m = RFC3339.match(rec.text)
        assert m and KERNEL_SYN.search(m.group("rest")), rec.text
        assert m.group("stamp") == flood._stamp_3339(rec.time)
    for rec in flood.iter_lines(200, fmt="ulogd", noise=0.0, ipv6=0.5, seed=4):
        m = ULOGD.match(rec.text)
        assert m, rec.text
        # ulogd prints addresses with inet_ntop (compressed), not the kernel's expanded form
        assert m.group("src") == str(ipaddress.ip_address(rec.src))


def test_timestamps_follow_the_rate():
    rate = 25.0
    recs = list(flood.iter_lines(N, rate=rate, seed=5, start=1000000.0))
    times = [r.time for r in recs]
    assert times[0] == 1000000.0
    assert all(b >= a for a, b in zip(times, times[1:]))
    span = times[-1] - times[0]
    assert abs(span / (N - 1) - 1.0 / rate) < 0.15 / rate
    ups = [float(SYSLOG.match(r.text).group("up")) for r in recs]
    for (t0, u0), (t1, u1) in zip(zip(times, ups), zip(times[1:], ups[1:])):
        assert abs((u1 - u0) - (t1 - t0)) < 2e-6


def test_sources_noise_and_prefix():
    recs = list(flood.iter_lines(N, sources=40, noise=0.25, prefix="", seed=6))
    srcs = set(r.src for r in recs if r.src)
    assert len(srcs) == 40
    noise = sum(1 for r in recs if r.src is None)
    assert 0.18 < noise / float(N) < 0.32
    attack = [r.text for r in recs if r.src]
    assert all("kernel: [" in t and "] IN=eth0" in t for t in attack)  # empty prefix


@pytest.mark.parametrize("kwargs", [dict(lines=-1), dict(lines=1, sources=0), dict(lines=1, rate=0),
                                    dict(lines=1, fmt="csv"), dict(lines=1, ipv6=1.5),
                                    dict(lines=1, noise=-0.1)])
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        list(flood.iter_lines(**kwargs))


@pytest.mark.parametrize("fmt", ["syslog", "rfc3339"])
def test_fail2ban_finds_exactly_the_attackers(fmt):
    """The real fail2ban Filter with the seed regex matches the attack lines and their SRC only,
    and reads back the time stamp the generator meant."""
    from f2btune.bench.api import SEED_REGEX
    from f2btune.f2b import make_filter
    flt = make_filter(failregex=SEED_REGEX)
    flt.checkFindTime = False
    # a start in the past year-wise safe for RFC 3164 stamps (fail2ban assumes the current year)
    start = time.time() - 86400
    for rec in flood.iter_lines(1000, ipv6=0.3, seed=9, fmt=fmt, start=start):
        fails = flt.processLine(rec.text)
        if rec.src is None:
            assert fails == []
        else:
            assert [str(f[1]) for f in fails] == [str(ipaddress.ip_address(rec.src))]
            assert abs(fails[0][2] - int(rec.time)) < 1.0, rec.text  # fail2ban keeps whole seconds


def test_write_flood_and_journal_export(tmp_path):
    path = str(tmp_path / "flood.export")
    summary = flood.write_flood(path, 50, fmt="journal-export", seed=2)
    assert summary["lines"] == 50 and summary["attack_lines"] + summary["noise_lines"] == 50
    text = open(path).read()
    records = [r for r in text.split("\n\n") if r.strip()]
    assert len(records) == 50
    for r in records:
        fields = dict(l.split("=", 1) for l in r.splitlines())
        assert fields["_TRANSPORT"] == "kernel" and fields["SYSLOG_IDENTIFIER"] == "kernel"
        assert not re.match(r"\[ *\d+\.\d+\]", fields["MESSAGE"])  # the journal keeps no uptime text
        assert int(fields["__REALTIME_TIMESTAMP"]) > 0 and int(fields["__MONOTONIC_TIMESTAMP"]) > 0
    remote = shutil.which("systemd-journal-remote") or "/lib/systemd/systemd-journal-remote"
    if not os.path.exists(remote) or not shutil.which("journalctl"):
        pytest.skip("systemd-journal-remote not installed")
    journal = str(tmp_path / "remote.journal")
    subprocess.run([remote, "-o", journal, path], check=True, capture_output=True, timeout=60)
    out = subprocess.run(["journalctl", "--file", journal, "-o", "cat", "--no-pager"],
                         check=True, capture_output=True, text=True, timeout=60).stdout
    assert len(out.splitlines()) == 50
    assert sum(1 for l in out.splitlines() if "SYN URGP=0" in l) == summary["attack_lines"]


def test_memory_does_not_grow_with_lines():
    import tracemalloc
    tracemalloc.start()
    for _ in flood.iter_lines(20000, sources=50):
        pass
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 2 * 1024 * 1024
