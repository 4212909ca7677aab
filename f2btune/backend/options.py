"""The backend options both flavours share: ``backend = f2btune[anchor="...", maxdelay=200ms, ...]``."""

# ``maxdelay`` is the ban-latency budget of the coalescing (see loop.ReadLoop.coalesce_delay)
MAXDELAY_DEFAULT = "200ms"
CORE_OPTIONS = ("anchor", "maxdelay", "maxlinesize", "prefilter", "promptban", "jitwarm")


def parse_seconds(value, name):
    """'20ms', '0.02', '1s' -> seconds (float)."""
    v = str(value).strip().lower()
    try:
        if v.endswith("ms"):
            return float(v[:-2]) / 1000.0
        if v.endswith("s"):
            return float(v[:-1])
        return float(v)
    except ValueError:
        raise ValueError("backend option %s=%r: expected seconds, e.g. 0.02 or 20ms" % (name, value))


def parse_size(value, name):
    """'64K', '1M', '4096' -> bytes (int)."""
    v = str(value).strip().upper()
    mult = 1
    for suffix, m in (("KB", 1024), ("K", 1024), ("MB", 1 << 20), ("M", 1 << 20)):
        if v.endswith(suffix):
            v, mult = v[:-len(suffix)], m
            break
    try:
        return int(float(v) * mult)
    except ValueError:
        raise ValueError("backend option %s=%r: expected a size, e.g. 64K" % (name, value))


def as_bool(value):
    return str(value).strip().lower() not in ("no", "false", "0", "off")


class CoreOptions(object):
    """The shared options, taken out of the jail's backend options (the rest stays)."""
    __slots__ = ("anchor", "maxdelay", "maxlinesize", "prefilter", "promptban", "jitwarm")

    def __init__(self, options):
        self.anchor = options.pop("anchor", None)
        self.maxdelay = parse_seconds(options.pop("maxdelay", MAXDELAY_DEFAULT), "maxdelay")
        if not 0 <= self.maxdelay <= 5:
            raise ValueError("backend option maxdelay must be between 0 and 5 seconds")
        self.maxlinesize = parse_size(options.pop("maxlinesize", "64K"), "maxlinesize")
        if self.maxlinesize < 256:
            raise ValueError("backend option maxlinesize must be at least 256 bytes")
        self.prefilter = as_bool(options.pop("prefilter", "yes"))
        self.promptban = as_bool(options.pop("promptban", "yes"))
        # warm the JIT at the jail's start (jitwarm.py): no | auto (under PyPy) | yes; off by
        # default: measured, it does not shorten PyPy's first bans (docs/bench.md)
        self.jitwarm = str(options.pop("jitwarm", "no")).strip().lower()
        if self.jitwarm not in ("auto", "yes", "no"):
            raise ValueError("backend option jitwarm must be auto, yes or no")


def refuse_unknown(options, backend, known):
    """A usage error naming the options ``backend`` does not know."""
    if options:
        raise ValueError("unknown option(s) for backend %s: %s (known: %s)"
                         % (backend, ", ".join(sorted(options)), ", ".join(known)))


# -- the per-address counter (see pending.py) -------------------------------------------------
# maxpending: addresses counted by the backend before they reach maxretry (0: every address is
# handed to fail2ban's FailManager from its first failure)
COUNTER_OPTIONS = ("maxpending",)
# about 0.8 KB each with a 260-byte kernel LOG line kept as its match (fail2ban's FailManager
# holds an address in about 1.5 KB): about 160 MB at the cap, reached by a flood of about
# 6 700 new addresses a second with findtime = 30 s
DEFAULT_MAXPENDING = 200000
CORE_OPTIONS = CORE_OPTIONS + COUNTER_OPTIONS


class CounterOptions(object):
    __slots__ = ("maxpending",)

    def __init__(self, options):
        value = options.pop("maxpending", str(DEFAULT_MAXPENDING))
        try:
            self.maxpending = int(str(value).strip())
        except ValueError:
            raise ValueError("backend option maxpending=%r: expected a number of addresses, e.g. %d"
                             % (value, DEFAULT_MAXPENDING))
        if self.maxpending < 0:
            raise ValueError("backend option maxpending must be 0 (off) or more")
