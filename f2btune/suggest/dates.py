"""Detect a log's date format and propose the cheapest explicit fail2ban ``datepattern``.

fail2ban's default date detection tries dozens of templates per line until one sticks;
an explicit, line-begin anchored pattern costs one ``re.match``. We let fail2ban's own
default DateDetector find each positive line's time stamp, then pick the first pattern
of :data:`CANDIDATES` (cheapest first) that yields the same time stamp on every positive
line -- or a pair of them when a log mixes two formats (RFC3164 and RFC3339).
"""
import itertools

# (name, fail2ban datepattern); cheapest and most common first. Raw syntax: in a filter
# file every % is doubled (see writer.py).
CANDIDATES = (
    ("RFC3164 syslog", r"^%b %d %H:%M:%S"),
    ("RFC3339 / ISO 8601 (rsyslog high precision)", r"^%Y-%m-%dT%H:%M:%S(?:\.%f)?%z"),
    ("ISO 8601, local time", r"^%Y-%m-%d[T ]%H:%M:%S(?:[.,]%f)?"),
    ("Apache error log", r"^\[%a %b %d %H:%M:%S(?:\.%f)? %Y\]"),
    ("nginx error log", r"^%Y/%m/%d %H:%M:%S"),
    ("ctime", r"^%a %b %d %H:%M:%S %Y"),
    ("RFC3164 with year", r"^%b %d %Y %H:%M:%S"),
    ("Common Log Format (after the client field)", r"^[^\[]*\[(%d/%b/%Y:%H:%M:%S %z)\]"),
    ("Unix epoch", r"^EPOCH"),
    ("TAI64N", r"^TAI64N"),
)
NONE = "{NONE}"


def _detector(patterns):
    from fail2ban.server.datedetector import DateDetector
    dd = DateDetector()
    if patterns is None:
        dd.addDefaultTemplate()
    else:
        for p in patterns:
            dd.appendTemplate(p)
    return dd


def split(dd, line):
    """(time or None, text fail2ban's regexes see) -- the same cut as Filter.processLine."""
    try:
        m, template = dd.matchTime(line)
    except Exception:
        return None, line
    if not m:
        return None, line
    s, e = m.start(1), m.end(1)
    date = None
    if line[s:e]:
        try:
            got = dd.getTime(line[s:e], (m, template))
            date = got[0] if got else None
        except Exception:
            date = None
    return date, line[:s] + line[e:]


class DateChoice(object):
    def __init__(self, name, patterns, at_start):
        self.name = name
        self.patterns = patterns      # list of raw datepatterns, or ["{NONE}"]
        self.at_start = at_start      # fraction of positive lines whose stamp opens the line

    @property
    def datepattern(self):
        return "\n".join(self.patterns) if self.patterns else None

    def detector(self):
        return _detector(None if self.patterns in (None, [NONE]) else self.patterns)


def detect(lines):
    """Choose the datepattern for these (positive) lines. Returns a DateChoice."""
    from f2btune.f2b import ensure_importable
    ensure_importable()
    default = _detector(None)
    stamps = []
    for line in lines:
        try:
            m, _ = default.matchTime(line)
        except Exception:
            m = None
        t = split(default, line)[0] if m else None
        stamps.append(t)
    if not any(t is not None for t in stamps):
        return DateChoice("no time stamp (journal-style lines: fail2ban uses the reception time)",
                          [NONE], 0.0)
    dated = [(l, t) for l, t in zip(lines, stamps) if t is not None]
    compiled = []
    for name, pattern in CANDIDATES:
        try:
            compiled.append((name, pattern, _detector([pattern])))
        except Exception:  # a template this fail2ban version does not know
            continue

    def covers(dd):
        return [abs((split(dd, l)[0] or -1e18) - t) < 1.0 for l, t in dated]

    cover = {name: covers(dd) for name, _, dd in compiled}
    for name, pattern, _ in compiled:
        if all(cover[name]):
            return DateChoice(name, [pattern], 1.0)
    for (n1, p1, _), (n2, p2, _) in itertools.combinations(compiled, 2):
        if all(a or b for a, b in zip(cover[n1], cover[n2])):
            return DateChoice(n1 + " + " + n2, [p1, p2], 1.0)
    # nothing explicit fits: keep fail2ban's line-begin anchored auto-detection
    return DateChoice("unrecognised format (fail2ban auto-detection, anchored at line start)",
                      ["{^LN-BEG}"], 0.0)


def for_filter(positive_lines, other_lines=(), others=500):
    """The datepattern a suggested filter pins, or fail2ban's default detection (patterns None).

    The pattern must reproduce the stamps of the positives and of a spread of the other lines:
    a filter that pins a pattern dropping some of the log's stamps would date those lines by
    their arrival instead."""
    other_lines = list(other_lines)
    step = max(1, len(other_lines) // others)
    choice = detect(list(positive_lines) + other_lines[::step])
    if choice.patterns != [NONE] and choice.at_start < 1.0:
        return DateChoice("no single explicit pattern fits every stamp of the sample: "
                          "fail2ban's default date detection", None, 0.0)
    return choice
