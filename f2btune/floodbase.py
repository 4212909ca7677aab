"""What every generated flood shares: the record type, the host, argument checks, attacker
addresses (public, a few heavy hitters and a long tail) and RFC 3164 stamps."""
import collections
import ipaddress
import time

FORMATS = ("syslog", "rfc3339", "journal-export", "ulogd")
DEFAULT_START = 1767225600.0  # 2026-01-01 00:00:00 UTC: fixed so that a seed gives the same file
HOSTNAME = "raspberrypi"
DST4 = "192.168.1.23"

FloodLine = collections.namedtuple("FloodLine", "time src text fails")
FloodLine.__new__.__defaults__ = (1,)
FloodLine.__doc__ = """One generated record: epoch ``time``, attacker ``src`` (None for noise), ``text`` (no
newline), ``fails``: failures a filter counts on the line (1 for a SYN line)."""

_RESERVED4 = [ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
    "203.0.113.0/24", "224.0.0.0/3")]


def public4(rng):
    """A public IPv4 address (no private, reserved or documentation range)."""
    while True:
        a = ipaddress.IPv4Address(rng.getrandbits(32))
        if not any(a in n for n in _RESERVED4):
            return str(a)


def _public6(rng):
    # global unicast 2000::/3, outside the documentation prefix 2001:db8::/32
    while True:
        a = ipaddress.IPv6Address((1 << 125) | rng.getrandbits(125))
        if a not in ipaddress.IPv6Network("2001:db8::/32"):
            return str(a)


def _sources(rng, count, ipv6):
    n6 = int(round(count * ipv6))
    srcs = [_public6(rng) for _ in range(n6)] + [public4(rng) for _ in range(count - n6)]
    rng.shuffle(srcs)
    seen, out = set(), []
    for s in srcs:  # collisions are astronomically rare, but keep the count exact
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out


def stamp_3164(t):
    lt = time.localtime(t)
    return "%s %2d %s" % (time.strftime("%b", lt), lt.tm_mday, time.strftime("%H:%M:%S", lt))


def check_args(lines, sources, rate, fmt, ipv6, noise):
    if lines < 0:
        raise ValueError("lines must be >= 0")
    if sources < 1:
        raise ValueError("sources must be >= 1")
    if not rate > 0:
        raise ValueError("rate must be > 0")
    if fmt not in FORMATS:
        raise ValueError("format must be one of %s" % ", ".join(FORMATS))
    for name, v in (("ipv6", ipv6), ("noise", noise)):
        if not 0.0 <= v <= 1.0:
            raise ValueError("%s must be a fraction between 0 and 1" % name)


def source_picker(rng, sources, ipv6):
    """A function returning one of ``sources`` attacker addresses per call: a few heavy hitters,
    a long tail (weight 1/sqrt(rank))."""
    srcs = _sources(rng, sources, ipv6)
    cum, total = [], 0.0
    for k in range(len(srcs)):
        total += 1.0 / (k + 1) ** 0.5
        cum.append(total)
    return lambda: srcs[_bisect(cum, rng.random() * total)]


def _bisect(cum, x):
    lo, hi = 0, len(cum) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cum[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo
