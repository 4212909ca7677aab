"""The shared core of both backends: one batch of raw lines in, one hand-off per address out.

Per batch (all the complete lines a wake-up found):

1. a line without the filter's literal anchor (see :mod:`.anchor`) is dropped as bytes;
2. lines with NUL bytes are dropped and counted; undecodable bytes are replaced, as
   fail2ban does, and counted; over-long lines never get here (see :mod:`.tail`);
3. the time comes from :class:`.stamps.StampCache` (or the journal), and the jail's own
   ``Filter.processLine`` runs fail2ban's ``prefregex``/``failregex``/``ignoreregex``
   (``<ADDR>``, ``<F-*>`` tags, findtime checks at start-up: unchanged);
4. failures are grouped by failure id; an id that is banned (or whose ban ticket is
   queued) is skipped and counted, with no ticket and no FailManager call;
5. per id, ignoreip/ignoreself/ignorecommand is checked once, then ONE ``FailTicket``
   carrying the count, the first and last time and the matches goes to
   ``FailManager.addFailure``; at maxretry ``performBan`` queues the ban; the observer
   is told of the failures (at most maxretry times: that is all that can change the
   outcome), so ``bantime.increment`` and the database see what a stock backend shows.
"""
import logging
import time

from f2btune.backend import anchor as _anchor
from f2btune.backend.stamps import StampCache

log = logging.getLogger("fail2ban.f2btune")

STAT_KEYS = ("batches", "lines", "bytes", "anchor_dropped", "matched_lines", "failures",
             "banned_skipped", "ignored", "handoffs", "bans", "undecodable", "nul_lines",
             "oversize_lines", "errors", "date_fallback")

# how long a queued ban keeps its address skipped before the ban list is trusted alone
PENDING_BAN_S = 3.0


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


class _Id(object):
    """The one method BanManager._inBanList needs from a ticket."""
    __slots__ = ("fid",)

    def __init__(self, fid):
        self.fid = fid

    def getID(self):
        return self.fid


class BatchCore(object):
    """Mixed into a fail2ban Filter subclass: batch processing and the FailManager hand-off."""

    # backend options shared by both flavours (jail: backend = f2btune[anchor="f2b-syn: ", ...])
    CORE_OPTIONS = ("anchor", "maxdelay", "maxlinesize", "prefilter")

    def _core_init(self, options):
        self.stats = dict.fromkeys(STAT_KEYS, 0)
        self._anchor_opt = options.pop("anchor", None)
        self.maxdelay = parse_seconds(options.pop("maxdelay", "0.02"), "maxdelay")
        if not 0 <= self.maxdelay <= 5:
            raise ValueError("backend option maxdelay must be between 0 and 5 seconds")
        self.maxlinesize = parse_size(options.pop("maxlinesize", "64K"), "maxlinesize")
        if self.maxlinesize < 256:
            raise ValueError("backend option maxlinesize must be at least 256 bytes")
        self._prefilter = str(options.pop("prefilter", "yes")).lower() not in ("no", "false", "0", "off")
        self._anchor_key = None
        self._anchor_test = None
        self.anchor_sets = None
        self._stamps = StampCache(self)
        self._pending_bans = {}

    # -- anchor ------------------------------------------------------------------------
    def _refresh_anchor(self):
        """(Re)derive the byte anchor when the jail's regexes change (cheap key check)."""
        pref = self.prefRegex
        key = (tuple(self.getFailRegex()), pref.getRegex() if pref else None,
               self.getMaxLines(), self.getLogEncoding())
        if key == self._anchor_key:
            return
        self._anchor_key = key
        sets = None
        if self._prefilter and key[2] == 1:      # multi-line buffers need every line
            if self._anchor_opt:
                sets = _anchor.explicit_anchor(self._anchor_opt)
            else:
                sets = _anchor.filter_anchors(key[0], key[1], self._core_encoding())
        self.anchor_sets = sets
        self._anchor_test = _anchor.make_test(sets)
        self._stamps.reset()
        log.info("[%s] f2btune anchor: %s", self.jailName,
                 " | ".join(" & ".join(repr(x.decode()) for x in s) for s in sets) if sets else "none (every line checked)")

    def _core_encoding(self):
        enc = self.getLogEncoding()
        return "utf-8" if enc.lower() in ("auto", "") else enc

    # -- the batch -----------------------------------------------------------------------
    def process_raw_lines(self, lines, nbytes=0, journal_times=None):
        """Process complete raw lines (bytes, no newline); returns the number of hand-offs.

        ``journal_times``: a parallel list of (iso text, epoch) for journal entries.
        """
        st = self.stats
        st["batches"] += 1
        st["lines"] += len(lines)
        st["bytes"] += nbytes
        self._refresh_anchor()
        test = self._anchor_test
        enc = self._core_encoding()
        stamps = self._stamps
        process = self.processLine
        groups = {}
        dropped = 0
        for i, raw in enumerate(lines):
            if test is not None and not test(raw):
                dropped += 1
                continue
            if b"\0" in raw:
                st["nul_lines"] += 1
                continue
            try:
                text = raw.decode(enc)
            except UnicodeDecodeError:
                text = raw.decode(enc, "replace")
                st["undecodable"] += 1
            except LookupError:
                text = raw.decode("utf-8", "replace")
            if text.endswith("\r"):
                text = text.rstrip("\r")
            try:
                if journal_times is not None:
                    iso, epoch = journal_times[i]
                    found = process(("", iso + " ", text), epoch)
                else:
                    ts = stamps.get(raw, text)
                    if ts is None:
                        st["date_fallback"] += 1
                        found = process(text)
                    else:
                        found = process(ts[0], ts[1])
            except Exception as e:
                st["errors"] += 1
                log.error("[%s] failed to process line %r: %r", self.jailName, text[:200], e)
                continue
            if not found:
                continue
            st["matched_lines"] += 1
            for element in found:
                fid, t, fail = element[1], element[2], element[3]
                g = groups.get(fid)
                if g is None:
                    groups[fid] = [t, t, 1, fail.get("matches") or [], fail]
                else:
                    if t < g[0]:
                        g[0] = t
                    if t > g[1]:
                        g[1] = t
                    g[2] += 1
                    m = fail.get("matches")
                    if m:
                        g[3] = g[3] + m
                    g[4] = fail
        st["anchor_dropped"] += dropped
        if groups:
            return self._hand_off(groups)
        self.performSvc()
        return 0

    def _is_banned(self, fid, now):
        t = self._pending_bans.get(fid)
        if t is not None:
            if now - t < PENDING_BAN_S:
                return True
            del self._pending_bans[fid]
        try:
            return self.jail.actions.banManager._inBanList(_Id(fid))
        except Exception:
            return False

    def _hand_off(self, groups):
        from fail2ban.server.ticket import FailTicket
        from fail2ban.server.observer import Observers
        st = self.stats
        fm = self.failManager
        maxretry = fm.getMaxRetry()
        maxmatches = fm.maxMatches
        now = time.time()
        handoffs = 0
        check_now = self.checkFindTime
        for fid, (first, last, n, matches, fail) in groups.items():
            st["failures"] += n
            if self._is_banned(fid, now):
                st["banned_skipped"] += n
                continue
            if check_now:
                if last > now:
                    last = now
                if first > now:
                    first = now
            data = dict(fail)
            data["matches"] = matches[-maxmatches:] if maxmatches else []
            data["failures"] = n
            tick = FailTicket(fid, first, data=data)
            tick.setTime(last)
            if self._inIgnoreIPList(fid, tick):
                st["ignored"] += n
                continue
            handoffs += 1
            attempts = fm.addFailure(tick, n)
            if n > 1:                         # "Total failed" counts lines, as with stock
                fm.setFailTotal(fm.getFailTotal() + n - 1)
            if attempts >= maxretry:
                self.performBan(fid)
                self._pending_bans[fid] = now
                st["bans"] += 1
            if Observers.Main is not None:
                for _ in range(min(n, maxretry)):
                    Observers.Main.add("failureFound", self.jail, tick)
        st["handoffs"] += handoffs
        if len(self._pending_bans) > 4096:
            self._pending_bans = dict((k, v) for k, v in self._pending_bans.items()
                                      if now - v < PENDING_BAN_S)
        self.performSvc()
        return handoffs

    def stats_status(self):
        """Extra rows for ``fail2ban-client status <jail>``."""
        st = self.stats
        return [("f2btune", " ".join("%s=%d" % (k, st[k]) for k in STAT_KEYS))]
