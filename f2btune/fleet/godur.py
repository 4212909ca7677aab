"""Go ``time.Duration`` strings, the LAPI's duration format ("4h0m0s", "1m30.5s", "-2s")."""
import re

_UNITS = {"ns": 1e-9, "us": 1e-6, "\u00b5s": 1e-6, "\u03bcs": 1e-6, "ms": 1e-3, "s": 1.0,
          "m": 60.0, "h": 3600.0, "d": 86400.0}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h|d)")


def parse(text):
    """Seconds (float) of a Go duration; ``d`` (days) is accepted too.  ValueError if malformed."""
    s = str(text).strip()
    sign = -1.0 if s.startswith("-") else 1.0
    body = s[1:] if s[:1] in "+-" else s
    if body == "0":
        return 0.0
    total, pos = 0.0, 0
    for m in _PART.finditer(body):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if not body or pos != len(body):
        raise ValueError("not a duration: %r (examples: 600s, 4h, 8760h)" % text)
    return sign * total


def format_seconds(seconds):
    """A duration string the LAPI parses ("600s"); whole seconds, at least 1."""
    return "%ds" % max(1, int(round(seconds)))
