"""Cheap time stamps: fail2ban's own date detector, asked once per distinct stamp.

Syslog files carry a stamp at the start of every line and a flood writes many lines per
second, so the same stamp text repeats.  :class:`StampCache` finds the stamp's end on the
raw bytes with a fixed-format test (RFC3164 ``Nov 22 01:50:00`` or RFC3339
``2026-11-22T01:50:00.123456+01:00``), and on a new stamp asks the jail's own
``DateDetector`` (so ``datepattern``, ``logtimezone`` and the year guess stay fail2ban's);
it accepts the answer only when the detector matched exactly that stamp at the start of the
line.  A line whose stamp is accepted is cut as fail2ban cuts it: nothing before the stamp,
so every text the failregex needs lies contiguously in the raw line after it.

The detector is asked once per stamp format and minute, not per second: a new second of a
minute already answered is that minute's start plus its seconds (time-zone and summer-time
changes fall on whole minutes; a leap second ``:60`` is asked).

Every other line gets fail2ban's own date search (:meth:`StampCache.split`), once; a line
where it finds no date is *undated* (counted by the caller).
"""

_MONTHS = frozenset(b"Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split())
_DIGITS = frozenset(b"0123456789")
CACHE_SIZE = 512


def stamp_end(raw):
    """(end of the stamp, cache key) for a line starting with a syslog stamp, else (0, None).

    The key leaves out an RFC3339 fraction: fail2ban drops fractions of a second.
    """
    if len(raw) < 16:
        return 0, None
    c = raw[0]
    if 65 <= c <= 90:                               # 'A'..'Z': RFC3164 "Mmm dd HH:MM:SS "
        if raw[15] == 32 and raw[3] == 32 and raw[9] == 58 and raw[12] == 58 and raw[:3] in _MONTHS:
            return 15, raw[:15]
        return 0, None
    if 48 <= c <= 57 and len(raw) > 20 and raw[4] == 45 and raw[10] == 84 and raw[13] == 58:
        # RFC3339 "YYYY-MM-DDTHH:MM:SS[.ffffff](Z|+HH:MM) "
        end = raw.find(b" ", 19, 40)
        if end < 0:
            return 0, None
        i = 19
        if raw[i] == 46:                            # '.' fraction
            i += 1
            while i < end and raw[i] in _DIGITS:
                i += 1
        return end, raw[:19] + raw[i:end]
    return 0, None


def minute_key(key):
    """(the stamp's minute, its seconds) from a cache key; (None, 0) when not plain seconds."""
    if len(key) == 15:                              # RFC3164
        mkey, ss = key[:12], key[13:15]
    else:                                           # RFC3339, zone kept in the minute key
        mkey, ss = key[:16] + key[19:], key[17:19]
    if ss[0] in _DIGITS and ss[1] in _DIGITS:
        sec = (ss[0] - 48) * 10 + ss[1] - 48
        if sec < 60:
            return mkey, sec
    return None, 0


class StampCache:
    """Map stamp text to fail2ban's epoch for it; ``get`` returns (tupleLine, epoch) or None."""

    def __init__(self, flt):
        self.flt = flt
        self.cache = {}
        self.minutes = {}        # minute key -> epoch of the minute's start
        self.hits = 0
        self.misses = 0
        self.detector = None

    def reset(self):
        self.cache.clear()
        self.minutes.clear()

    def get(self, raw, text):
        """(tupleLine, epoch) for a line with an accepted syslog stamp, else None."""
        end, key = stamp_end(raw)
        if key is None:
            return None
        epoch = self.cache.get(key)
        if epoch is None:
            epoch = self.learn(text, end, key)
        else:
            self.hits += 1
        if epoch is False:
            return None
        # ASCII stamp: byte offsets are character offsets
        return ("", text[:end], text[end:]), epoch

    def learn(self, text, end, key):
        """A new stamp's epoch, or False (not accepted): from its minute when fail2ban's
        detector answered for another second of it, else from the detector."""
        mkey, sec = minute_key(key)
        base = self.minutes.get(mkey) if mkey is not None else None
        if base is not None:
            self.cache[key] = base + sec
            self.hits += 1
            return base + sec
        epoch = self._detect(text, end)
        if len(self.cache) >= CACHE_SIZE:
            self.cache.clear()
            self.minutes.clear()
        self.cache[key] = epoch
        if mkey is not None and epoch is not False:
            self.minutes[mkey] = epoch - sec
        self.misses += 1
        return epoch

    def split(self, text):
        """fail2ban's own date search, as ``processLine`` does it: (tupleLine, epoch);
        None when no date is found (undated); False when processLine must decide itself
        (an empty or unparsable match: it then uses the last date or the current time)."""
        dd = self.flt.dateDetector
        if dd is None:
            return False
        try:
            found = dd.matchTime(text)
            m = found[0]
            if not m:
                return None
            s, e = m.start(1), m.end(1)
            if s == e:
                return False
            date = dd.getTime(text[s:e], found)
        except Exception:
            return False
        if date is None:
            return False
        return (text[:s], text[s:e], text[e:]), date[0]

    def _detect(self, text, end):
        dd = self.flt.dateDetector
        if dd is None:
            return False
        try:
            m, template = dd.matchTime(text)
            if not m or m.start(1) != 0 or m.end(1) != end:
                return False
            date = dd.getTime(text[:end], (m, template))
        except Exception:
            return False
        if date is None:
            return False
        return date[0]
