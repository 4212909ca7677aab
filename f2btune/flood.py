"""A deterministic SYN-flood log generator: kernel LOG lines as a Raspberry Pi writes them.

Each attacker line is what the iptables/nftables LOG target prints for a dropped or rate-limited
SYN (``nf_log_syslog``): ``[uptime] PREFIX IN=eth0 OUT= MAC=... SRC=... DST=... LEN=... TOS=0x00
PREC=0x00 TTL=... ID=... [DF ]PROTO=TCP SPT=... DPT=... WINDOW=... RES=0x00 SYN URGP=0 `` (trailing
space included), IPv6 sources fully expanded as the kernel's ``%pI6`` prints them.  The line is
then framed the way it reaches a log reader:

``syslog``          rsyslog's default file format (RFC 3164 stamp ``Nov  2 01:51:09 host kernel: ...``);
``rfc3339``         rsyslog's ``RSYSLOG_FileFormat`` (``2026-11-02T01:51:09.123456+00:00 host kernel: ...``);
``journal-export``  one systemd journal export record per line (``journalctl -o export`` /
                    ``systemd-journal-remote`` input; kernel transport, ``MESSAGE`` without uptime);
``ulogd``           ulogd2's LOGEMU file (NFLOG target: ``PREFIX IN=...``, no uptime, ``SEQ= ACK=``,
                    ``MARK=0``, IPv6 in ``inet_ntop`` form as ulogd prints it).

Noise lines (``src`` is None) are unrelated kernel messages and other LOG rules' non-SYN traffic:
no sensible SYN-flood filter should match them.  Timestamps follow Poisson arrivals at ``rate``
lines per second from ``start``; everything derives from ``seed``, so a seed gives the same text
(dates are rendered in the local time zone, as rsyslog does).
"""
import ipaddress
import random
import time

from f2btune.floodbase import (DEFAULT_START, DST4, FORMATS, HOSTNAME, FloodLine, public4,  # noqa: F401
                               check_args, source_picker, stamp_3164)
from f2btune.seed import LOG_PREFIX

IFACE = "eth0"
LOCAL_MAC = "dc:a6:32:5e:1f:07"  # a Pi 4 (Raspberry Pi Trading OUI)
GATEWAY_MAC = "f4:92:bf:3a:66:10"
DST6 = "2a02:8108:1240:3e00:dea6:32ff:fe5e:1f07"
PORTS = (22, 22, 22, 80, 443, 443, 8080, 2222, 3389, 23)
BOOT_ID = "5d1b9a3e0c7f4b2a9e6d8c1f0a2b3c4d"
MACHINE_ID = "0f9e8d7c6b5a49382716f5e4d3c2b1a0"

KINDS = ("synflood", "sshd", "apache-auth", "wordpress")

_NOISE_KERNEL = (
    "Under-voltage detected! (0x00050005)",
    "Voltage normalised (0x00000000)",
    "brcmfmac: brcmf_cfg80211_set_power_mgmt: power save enabled",
    "TCP: request_sock_TCP: Possible SYN flooding on port 22. Sending cookies.  Check SNMP counters.",
    "usb 1-1.3: new high-speed USB device number 4 using xhci_hcd",
    "EXT4-fs (mmcblk0p2): re-mounted. Opts: (null). Quota mode: none.",
    "bcmgenet fd580000.ethernet eth0: Link is Up - 1Gbps/Full - flow control rx/tx",
    "nf_conntrack: nf_conntrack: table full, dropping packet",
)


def expand6(addr):
    """An IPv6 address as the kernel's ``%pI6`` prints it (eight 4-digit groups)."""
    return ipaddress.IPv6Address(addr).exploded


def _mac(v6):
    return "MAC=%s:%s:%s " % (LOCAL_MAC, GATEWAY_MAC, "86:dd" if v6 else "08:00")


def _syn_packet(rng, src, ulogd):
    """The packet part (from SRC=) of a LOG (or ulogd printpkt) line for one SYN."""
    v6 = ":" in src
    dpt = rng.choice(PORTS) if rng.random() < 0.8 else rng.randint(1, 65535)
    spt = rng.randint(1024, 65535)
    window = rng.choice((64240, 29200, 65535, 1024))
    if v6:
        head = "SRC=%s DST=%s LEN=%d TC=0 HOPLIMIT=%d FLOWLBL=%d " % (
            src if ulogd else expand6(src), DST6 if ulogd else expand6(DST6),
            80 if window != 1024 else 60, rng.randint(40, 64), rng.getrandbits(20))
    else:
        df = "DF " if window != 1024 else ""
        head = "SRC=%s DST=%s LEN=%d TOS=%s PREC=0x00 TTL=%d ID=%d %s" % (
            src, DST4, 60 if window != 1024 else 44, "00" if ulogd else "0x00",
            rng.randint(40, 64) if window != 1024 else rng.randint(230, 250),
            rng.getrandbits(16), df)
    if ulogd:
        tcp = "PROTO=TCP SPT=%d DPT=%d SEQ=%d ACK=0 WINDOW=%d SYN URGP=0 MARK=0 " % (
            spt, dpt, rng.getrandbits(32), window)
    else:
        tcp = "PROTO=TCP SPT=%d DPT=%d WINDOW=%d RES=0x00 SYN URGP=0 " % (spt, dpt, window)
    return head + tcp


def _noise(rng, ulogd):
    """An unrelated kernel message, or another LOG rule's non-SYN packet (never a SYN)."""
    if rng.random() < 0.5 and not ulogd:
        return None, rng.choice(_NOISE_KERNEL)
    src = public4(rng)
    udp = "SRC=%s DST=%s LEN=76 TOS=%s PREC=0x00 TTL=%d ID=%d PROTO=UDP SPT=%d DPT=%d LEN=56 " % (
        src, DST4, "00" if ulogd else "0x00", rng.randint(40, 250), rng.getrandbits(16),
        rng.randint(1024, 65535), rng.choice((53, 123, 161, 1900, 5060)))
    if ulogd:
        return "[UFW BLOCK]", "IN=%s OUT= %s%sMARK=0 " % (IFACE, _mac(False), udp)
    return "[UFW BLOCK] ", "IN=%s OUT= %s%s" % (IFACE, _mac(False), udp)


def _uptime(t, start):
    # booted ~20 minutes before the flood starts
    sec, usec = divmod(int(round((1234.5 + (t - start)) * 1e6)), 1000000)
    return "[%5d.%06d] " % (sec, usec)


def _stamp_3339(t):
    sec, usec = divmod(int(round(t * 1e6)), 1000000)
    lt = time.localtime(sec)
    off = lt.tm_gmtoff if lt.tm_gmtoff is not None else 0
    return "%s.%06d%s%02d:%02d" % (time.strftime("%Y-%m-%dT%H:%M:%S", lt), usec,
                                    "+" if off >= 0 else "-", abs(off) // 3600, abs(off) % 3600 // 60)


def _journal_record(t, start, message, seqnum):
    mono = int(round((1234.5 + (t - start)) * 1e6))
    realtime = int(round(t * 1e6))
    return "\n".join((
        "__CURSOR=s=%s;i=%x;b=%s;m=%x;t=%x;x=%x" % (MACHINE_ID, seqnum, BOOT_ID, mono, realtime,
                                                   seqnum ^ realtime),
        "__REALTIME_TIMESTAMP=%d" % realtime,
        "__MONOTONIC_TIMESTAMP=%d" % mono,
        "_BOOT_ID=%s" % BOOT_ID,
        "_SOURCE_MONOTONIC_TIMESTAMP=%d" % mono,
        "_TRANSPORT=kernel",
        "PRIORITY=4",
        "SYSLOG_FACILITY=0",
        "SYSLOG_IDENTIFIER=kernel",
        "_MACHINE_ID=%s" % MACHINE_ID,
        "_HOSTNAME=%s" % HOSTNAME,
        "MESSAGE=%s" % message,
    ))


def iter_lines(lines, sources=250, rate=40.0, prefix=LOG_PREFIX, fmt="syslog", ipv6=0.1,
               noise=0.1, seed=1, start=None):
    """Yield ``lines`` FloodLine records (see the module docstring); memory does not grow with ``lines``.

    ``sources`` distinct attacker addresses (a fraction ``ipv6`` of them IPv6) send the SYNs, a few
    of them much more often than the rest; a fraction ``noise`` of the records are unrelated kernel
    messages.  ``start`` is the epoch of the first record (default: 2026-01-01 00:00 UTC, fixed so
    that the output depends only on the arguments).  Raises ValueError on bad arguments.
    """
    check_args(lines, sources, rate, fmt, ipv6, noise)
    rng = random.Random("f2btune-flood:%s" % seed)
    pick = source_picker(rng, sources, ipv6)
    start = DEFAULT_START if start is None else float(start)
    ulogd = fmt == "ulogd"
    t = start
    for i in range(lines):
        if i:
            t += rng.expovariate(rate)
        if rng.random() < noise:
            src = None
            nf_prefix, body = _noise(rng, ulogd)
        else:
            src = pick()
            nf_prefix = prefix
            body = "IN=%s OUT= %s%s" % (IFACE, _mac(":" in src), _syn_packet(rng, src, ulogd))
        if ulogd:
            # ulogd prints the NFLOG prefix followed by one space
            pre = nf_prefix.rstrip(" ") + " " if nf_prefix and nf_prefix.strip() else ""
            text = "%s %s %s%s" % (stamp_3164(t), HOSTNAME, pre, body.rstrip("\n"))
        else:
            message = body if nf_prefix is None else nf_prefix + body
            if fmt == "journal-export":
                text = _journal_record(t, start, message, i + 1)
            else:
                stamp = stamp_3164(t) if fmt == "syslog" else _stamp_3339(t)
                text = "%s %s kernel: %s%s" % (stamp, HOSTNAME, _uptime(t, start), message)
        yield FloodLine(t, src, text, 0 if src is None else 1)


def iter_kind(kind, lines, fold=False, sshd_tag="sshd-session", **kwargs):
    """FloodLine records of a flood of ``kind`` (one of KINDS); kwargs as for :func:`iter_lines`
    (``prefix`` and ``fmt`` only apply to synflood; the others are syslog or Apache framed)."""
    if kind == "synflood":
        return iter_lines(lines, **kwargs)
    from f2btune.authflood import iter_auth_lines
    kwargs.pop("prefix", None)
    fmt = kwargs.pop("fmt", "syslog")
    if fmt not in ("syslog",):
        raise ValueError("--format %s is only for synflood; %s floods are written as syslog%s"
                         % (fmt, kind, " (Apache error log)" if kind == "apache-auth" else ""))
    return iter_auth_lines(kind, lines, fold=fold, sshd_tag=sshd_tag, **kwargs)


def record_separator(fmt):
    """What follows each record's text in a file: a newline, or a blank line for journal export."""
    return "\n\n" if fmt == "journal-export" else "\n"


def write_flood(path, lines, kind="synflood", **kwargs):
    """Write ``iter_kind(kind, lines, **kwargs)`` to ``path`` ('-' = stdout); returns summary counts."""
    import sys
    sep = record_separator(kwargs.get("fmt", "syslog"))
    records = iter_kind(kind, lines, **kwargs)
    attackers, hosts, fails = 0, set(), 0
    out = sys.stdout if path == "-" else open(path, "w", encoding="utf-8", newline="\n")
    first = last = None
    try:
        for rec in records:
            out.write(rec.text)
            out.write(sep)
            if rec.src is not None:
                attackers += 1
                hosts.add(rec.src)
                fails += rec.fails
            if first is None:
                first = rec.time
            last = rec.time
    finally:
        if out is not sys.stdout:
            out.close()
    return {"lines": lines, "attack_lines": attackers, "noise_lines": lines - attackers,
            "hosts": len(hosts), "failures": fails, "first": first, "last": last}
