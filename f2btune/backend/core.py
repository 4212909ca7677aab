"""The shared core of both backends: one batch of raw lines in, one hand-off per address out.

A batch is the few steps it is: note the time and the ban list (:mod:`.banview`), scan the
lines into per-address tallies and per-id groups (:mod:`.scan`), resolve the tallies with
fail2ban's own ``processLine``, hand the groups off to fail2ban (:mod:`.handoff`).
"""
import logging
import os
import re
import time

from f2btune.backend import anchor as _anchor
from f2btune.backend import bannedlines
from f2btune.backend.banview import BanView
from f2btune.backend import jitwarm
from f2btune.backend.handoff import HandOff
from f2btune.backend.offenders import KnownOffenders
from f2btune.backend.options import CoreOptions, CounterOptions
from f2btune.backend.scan import Scanner
from f2btune.backend.stamps import StampCache

log = logging.getLogger("fail2ban.f2btune")
# debugging aid: F2BTUNE_TRACE=FILE appends "start end lines handoffs bans" per batch
_TRACE = os.environ.get("F2BTUNE_TRACE")

STAT_KEYS = ("batches", "lines", "bytes", "anchor_dropped", "prefilter_skipped", "matched_lines",
             "failures", "banned_skipped", "banned_dropped", "ignored", "handoffs", "bans", "undecodable",
             "nul_lines", "oversize_lines", "fifo_partial_dropped", "undated", "errors",
             "date_fallback", "counted_lines", "prompt_bans", "prompt_ban_ms", "batch_ms",
             "found_cached", "parked", "pending",
             "pending_expired", "pending_spilled")

# groups whose presence makes a failure depend on more than "a failregex matched this address"
UNSAFE_GROUPS = frozenset(("fid", "nofail", "mlfid", "mlfforget", "mlfgained", "mlfpending"))
# groups that leave fail2ban's answer for a line depending on the address alone
ADDRESS_GROUPS = frozenset(("ip4", "ip6"))
# the jail's regexes are re-read when a setter changes them, and at least this often
ANCHOR_CHECK_S = 1.0


def ascii_compatible(encoding):
    try:
        return "x\n".encode(encoding) == b"x\n"
    except (LookupError, UnicodeEncodeError):
        return False


class BatchCore(Scanner, HandOff):
    """Mixed into a fail2ban Filter subclass: batch processing and the FailManager hand-off."""

    def _core_init(self, options):
        self.stats = dict.fromkeys(STAT_KEYS, 0)
        self.options = CoreOptions(options)
        self._pending_init(CounterOptions(options).maxpending)
        self.maxdelay = self.options.maxdelay
        self.maxlinesize = self.options.maxlinesize
        self.bans = BanView(self)
        self.offenders = KnownOffenders(self)
        self._anchor_key = None
        self._anchor_test = None
        self.anchor_sets = None
        self.prefilter_state = "not derived yet"
        self._encoding = "utf-8"
        self._stamps = StampCache(self)
        self._fast = None
        self._banned_lines = None     # a bannedlines.BannedLines where the filter allows it
        self._locator_b = None
        self._raw2fid = {}
        self._found_cache = {}
        self._cache_found = False
        self._keep = 1
        self._ff_with_fm = None
        self._anchor_due = 0.0        # monotonic time of the next key check; 0: at once

    def warm_up(self):
        """One-off costs before the first line arrives (anchor, own addresses, past bans)."""
        try:
            self._refresh_anchor()
            from fail2ban.server.ipdns import DNSUtils
            if self.ignoreSelf:
                DNSUtils.getSelfIPs()
            self.offenders.known(None, time.time())
            # fail2ban collects garbage every 30 s from the 100th failure on: do the first
            # collection now rather than in the middle of the first burst of bans
            from fail2ban.helpers import BgService
            BgService().service(force=True)
            if jitwarm.wanted(self.options.jitwarm):
                jitwarm.warm(self)        # synthetic lines on a scratch copy (jitwarm.py)
        except Exception as e:  # pragma: no cover - the first batch will meet it again
            log.debug("[%s] f2btune warm-up: %r", self.jailName, e)

    # -- anchor and fast path ---------------------------------------------------------------
    # fail2ban's setters of what the anchor depends on: the next batch re-derives it
    def addFailRegex(self, value):
        self._anchor_due = 0.0
        return super(BatchCore, self).addFailRegex(value)

    def delFailRegex(self, index=None):
        self._anchor_due = 0.0
        return super(BatchCore, self).delFailRegex(index)

    def addIgnoreRegex(self, value):
        self._anchor_due = 0.0
        return super(BatchCore, self).addIgnoreRegex(value)

    def delIgnoreRegex(self, index=None):
        self._anchor_due = 0.0
        return super(BatchCore, self).delIgnoreRegex(index)

    def addIgnoreIP(self, ipstr):
        self._kept.changed()
        return super(BatchCore, self).addIgnoreIP(ipstr)

    def delIgnoreIP(self, ip=None):
        self._kept.changed()
        return super(BatchCore, self).delIgnoreIP(ip)

    def setMaxLines(self, value):
        self._anchor_due = 0.0
        return super(BatchCore, self).setMaxLines(value)

    def _anchor_check(self):
        """Re-read the jail's regexes when a setter ran, or every ``ANCHOR_CHECK_S``."""
        now = time.monotonic()
        if now >= self._anchor_due:
            self._anchor_due = now + ANCHOR_CHECK_S
            self._refresh_anchor()

    def _refresh_anchor(self):
        """(Re)derive the byte anchor when the jail's regexes change (cheap key check)."""
        pref = self.prefRegex
        key = (tuple(self.getFailRegex()), pref.getRegex() if pref else None,
               self.getMaxLines(), self.getLogEncoding())
        if key == self._anchor_key:
            return
        self._anchor_key = key
        enc = key[3] if key[3].lower() not in ("auto", "") else "utf-8"
        self._encoding = enc if _known(enc) else "utf-8"
        sets, why = None, None
        if not self.options.prefilter:
            why = "prefilter = no"
        elif key[2] != 1:
            why = "maxlines > 1: every line may belong to a match"
        elif self.options.anchor:
            sets = _anchor.explicit_anchor(self.options.anchor)
        else:
            sets = _anchor.filter_anchors(key[0], key[1], self._encoding)
            why = None if sets else "a failregex has no literal every match must contain"
        self.anchor_sets = sets
        self._anchor_test = _anchor.make_test(sets)
        self._stamps.reset()
        self._fast = self._fast_regexes(key)
        self._banned_lines = (bannedlines.derive(key[0], key[1], key[2])
                              if self._fast is None and self.options.prefilter else None)
        self._raw2fid.clear()
        self._found_cache.clear()
        self.prefilter_state = ("on (lines whose stamp starts the line): " + _anchor.describe(sets)
                                if sets else "off: " + why)
        log.info("[%s] f2btune prefilter %s", self.jailName, self.prefilter_state)

    def _fast_regexes(self, key):
        """Compiled failregexes for counting lines per address, or None where that is unsafe.

        Counting is exact when a failregex match alone makes a failure whose id is the
        matched address: no prefregex, one line per buffer, no ignoreregex, no F-ID,
        F-NOFAIL or multi-line id groups.  Otherwise every line goes through processLine.
        """
        regexes, pref, maxlines = key[0], key[1], key[2]
        self._cache_found = False
        self._locator_b = None
        if not self.options.prefilter or pref or maxlines != 1 or self.getIgnoreRegex() or not regexes:
            return None
        out = []
        for rx in regexes:
            try:
                c = re.compile(rx)
            except re.error:
                return None
            names = set(c.groupindex)
            if names & UNSAFE_GROUPS or not (ADDRESS_GROUPS & names):
                return None
            g = c.groupindex
            out.append((c, g.get("ip4"), g.get("ip6"), g.get("repeats")))
        # with no named group but the address, fail2ban's answer for a line (in operation: no
        # line is dropped for its time) depends on the address alone, matches aside: it is
        # asked once per address, not once per address and batch
        self._cache_found = all(set(c.groupindex) <= ADDRESS_GROUPS for c, _, _, _ in out)
        locators = set(_anchor.address_locator(rx) for rx in regexes)
        loc = locators.pop() if len(locators) == 1 else None
        if loc is not None and ascii_compatible(self._encoding):
            self._locator_b = loc.encode("ascii")     # ASCII-compatible log: search bytes
        return out

    # -- the batch -----------------------------------------------------------------------
    def process_raw_lines(self, lines, nbytes=0, journal_times=None):
        """Process complete raw lines (bytes, no newline); returns the number of hand-offs.

        ``journal_times``: a parallel list of (iso text, epoch) for journal entries.
        """
        st = self.stats
        t_start = time.time()
        st["batches"] += 1
        st["lines"] += len(lines)
        st["bytes"] += nbytes
        self._anchor_check()
        self.bans.begin_batch()
        self.sweep_pending(self.bans.now)
        self._keep = max(1, self.failManager.maxMatches or 1)
        groups, tallies = {}, {}
        self._scan(lines, journal_times, groups, tallies)
        if tallies:
            self._resolve_tallies(tallies, groups)
        n = self._hand_off(groups) if groups else 0
        # this thread's wall time in batches (prompt bans included); its CPU: see stats_status
        st["batch_ms"] += int((time.time() - t_start) * 1000 + 0.5)
        if _TRACE:
            with open(_TRACE, "a") as f:
                f.write("%.6f %.6f %d %d %d\n" % (t_start, time.time(), len(lines), n, st["bans"]))
        return n

    def stats_status(self):
        """Extra rows for ``fail2ban-client status <jail>``."""
        st = self.stats
        return [("f2btune prefilter", self.prefilter_state),
                ("f2btune", " ".join("%s=%d" % (k, st[k]) for k in STAT_KEYS) + self._cpu_status())]

    def _cpu_status(self):
        """`` cpu_ms=N``: the reading thread's CPU since it started (every wake-up, waits and
        prompt bans included), read from /proc when asked rather than timed per batch."""
        from f2btune.procstat import task_cpu
        tid = getattr(self, "_native_tid", None)
        sec = task_cpu(os.getpid(), tid) if tid else None
        return "" if sec is None else " cpu_ms=%d" % int(sec * 1000)


def _known(encoding):
    try:
        "".encode(encoding)
        return True
    except LookupError:
        return False
