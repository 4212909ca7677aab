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
import os
import re
import time

from f2btune.backend import anchor as _anchor
from f2btune.backend.stamps import StampCache

log = logging.getLogger("fail2ban.f2btune")
# debugging aid: F2BTUNE_TRACE=FILE appends "start end lines handoffs bans" per batch
_TRACE = os.environ.get("F2BTUNE_TRACE")

STAT_KEYS = ("batches", "lines", "bytes", "anchor_dropped", "matched_lines", "failures",
             "banned_skipped", "ignored", "handoffs", "bans", "undecodable", "nul_lines",
             "oversize_lines", "errors", "date_fallback", "counted_lines",
             "prompt_bans", "prompt_ban_ms", "batch_ms", "found_cached",
             "batch_cpu_us", "prompt_ban_cpu_us")

# groups whose presence makes a failure depend on more than "a failregex matched this address"
UNSAFE_GROUPS = frozenset(("fid", "nofail", "mlfid", "mlfforget", "mlfgained", "mlfpending"))
# an address as written after its locator: optional "[", optional IPv4-mapped prefix
_ADDR_TOKEN_B = re.compile(rb"\[?(?:::[fF]{4,6}:)?([0-9A-Fa-f:.]+)")
# CPU time of the calling thread (PyPy 3.9 has it too; fall back to the process's)
_thread_time = getattr(time, "thread_time", time.process_time)
# how often the set of addresses this jail banned before is refreshed from the database
OFFENDER_REFRESH_S = 10.0
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


def _as_bool(value):
    return str(value).strip().lower() not in ("no", "false", "0", "off")


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
    CORE_OPTIONS = ("anchor", "maxdelay", "maxlinesize", "prefilter", "promptban")

    def _core_init(self, options):
        self.stats = dict.fromkeys(STAT_KEYS, 0)
        self._anchor_opt = options.pop("anchor", None)
        self.maxdelay = parse_seconds(options.pop("maxdelay", "0.02"), "maxdelay")
        if not 0 <= self.maxdelay <= 5:
            raise ValueError("backend option maxdelay must be between 0 and 5 seconds")
        self.maxlinesize = parse_size(options.pop("maxlinesize", "64K"), "maxlinesize")
        if self.maxlinesize < 256:
            raise ValueError("backend option maxlinesize must be at least 256 bytes")
        self._prefilter = _as_bool(options.pop("prefilter", "yes"))
        self._promptban = _as_bool(options.pop("promptban", "yes"))
        self._anchor_key = None
        self._anchor_test = None
        self.anchor_sets = None
        self._stamps = StampCache(self)
        self._pending_bans = {}
        self._fast = None
        self._locator_b = None
        self._raw2fid = {}
        self._found_cache = {}
        self._cache_found = False
        self._offenders = None
        self._offenders_next = 0.0
        self._ff_with_fm = None

    def warm_up(self):
        """One-off costs before the first line arrives (anchor, own addresses, past bans)."""
        try:
            self._refresh_anchor()
            from fail2ban.server.ipdns import DNSUtils
            if self.ignoreSelf:
                DNSUtils.getSelfIPs()
            self._known_offender(None, time.time())
            # fail2ban collects garbage every 30 s from the 100th failure on: do the first
            # collection now rather than in the middle of the first burst of bans
            from fail2ban.helpers import BgService
            BgService().service(force=True)
        except Exception as e:  # pragma: no cover - the first batch will meet it again
            log.debug("[%s] f2btune warm-up: %r", self.jailName, e)

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
        self._fast = self._fast_regexes(key)
        self._raw2fid = {}
        self._found_cache = {}
        log.info("[%s] f2btune anchor: %s", self.jailName,
                 " | ".join(" & ".join(repr(x.decode()) for x in s) for s in sets) if sets else "none (every line checked)")

    def _fast_regexes(self, key):
        """Compiled failregexes for counting lines per address, or None where that is unsafe.

        Counting is exact when a failregex match alone makes a failure whose id is the
        matched address: no prefregex, one line per buffer, no ignoreregex, no F-ID,
        F-NOFAIL or multi-line id groups.  Otherwise every line goes through processLine.
        """
        regexes, pref, maxlines = key[0], key[1], key[2]
        if not self._prefilter or pref or maxlines != 1 or self.getIgnoreRegex() or not regexes:
            return None
        out = []
        self._cache_found = False
        for rx in regexes:
            try:
                c = re.compile(rx)
            except re.error:
                return None
            names = set(c.groupindex)
            if names & UNSAFE_GROUPS or not ({"ip4", "ip6"} & names):
                return None
            out.append((c, c.groupindex.get("ip4"), c.groupindex.get("ip6")))
        # with no named group but the address, fail2ban's answer for a line (in operation: no
        # line is dropped for its time) depends on the address alone, matches aside: it is
        # asked once per address, not once per address and batch
        self._cache_found = all(set(c.groupindex) <= {"ip4", "ip6"} for c, _, _ in out)
        locators = set(_anchor.address_locator(rx) for rx in regexes)
        loc = locators.pop() if len(locators) == 1 else None
        self._locator_b = None
        if loc is not None:
            try:
                if "x\n".encode(key[3] if key[3].lower() not in ("auto", "") else "utf-8") == b"x\n":
                    self._locator_b = loc.encode("ascii")     # ASCII-compatible log: search bytes
            except (LookupError, UnicodeEncodeError):
                pass
        return out

    def _core_encoding(self):
        enc = self.getLogEncoding()
        return "utf-8" if enc.lower() in ("auto", "") else enc

    # -- the batch -----------------------------------------------------------------------
    def process_raw_lines(self, lines, nbytes=0, journal_times=None):
        """Process complete raw lines (bytes, no newline); returns the number of hand-offs.

        ``journal_times``: a parallel list of (iso text, epoch) for journal entries.
        """
        st = self.stats
        t_start = time.time()
        c_start = _thread_time()
        st["batches"] += 1
        st["lines"] += len(lines)
        st["bytes"] += nbytes
        self._refresh_anchor()
        test = self._anchor_test
        enc = self._core_encoding()
        stamps = self._stamps
        process = self.processLine
        fast = self._fast if self.inOperation else None
        loc = self._locator_b if fast is not None else None
        loclen = len(loc) if loc else 0
        token = _ADDR_TOKEN_B.match
        now = time.time()
        groups = {}
        counted = {}                 # address text -> [n, first, last, [(tupleLine, epoch)...]]
        banned_keys = {}             # address bytes after the locator -> banned?
        banned_str = {}              # address text from the failregex -> banned?
        raw2fid = self._raw2fid
        keep = max(1, self.failManager.maxMatches or 1)
        dropped = skipped = 0
        for i, raw in enumerate(lines):
            if test is not None and not test(raw):
                dropped += 1
                continue
            if b"\0" in raw:
                st["nul_lines"] += 1
                continue
            if loc is not None:
                # the address right after the locator (e.g. SRC=), on the raw bytes: a line
                # of a banned address is skipped before decoding, date or regex (only if the
                # locator occurs once in the line)
                j = raw.find(loc)
                if j >= 0 and raw.find(loc, j + loclen) < 0:
                    tm = token(raw, j + loclen)
                    if tm is not None:
                        key = tm.group(1)
                        b = banned_keys.get(key)
                        if b is None:
                            fid = raw2fid.get(key.decode("ascii"))
                            b = banned_keys[key] = fid is not None and self._is_banned(fid, now)
                        if b:
                            skipped += 1
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
            if journal_times is not None:
                iso, epoch = journal_times[i]
                ts = (("", iso + " ", text), epoch)
            else:
                ts = stamps.get(raw, text)
            if fast is not None and ts is not None:
                tl = ts[0]
                buf = tl[0] + tl[2] + "\n"
                key = m = None
                for rx, g4, g6 in fast:
                    m = rx.search(buf)
                    if m is not None:
                        key = (g4 and m.group(g4)) or (g6 and m.group(g6))
                        break
                if m is None:
                    continue                  # no failregex matches: not a failure
                if key:
                    b = banned_str.get(key)
                    if b is None:
                        fid = raw2fid.get(key)
                        b = banned_str[key] = fid is not None and self._is_banned(fid, now)
                    if b:
                        skipped += 1
                        continue
                    epoch = ts[1]
                    if abs(epoch - now) > 60:     # fail2ban's rule for odd stamps in operation
                        epoch = now
                    c = counted.get(key)
                    if c is None:
                        counted[key] = [1, epoch, epoch, [(tl, ts[1])]]
                    else:
                        c[0] += 1
                        if epoch < c[1]:
                            c[1] = epoch
                        if epoch > c[2]:
                            c[2] = epoch
                        c[3].append((tl, ts[1]))
                        if len(c[3]) > keep:
                            del c[3][0]
                    continue
            try:
                if ts is None:
                    st["date_fallback"] += 1
                    found = process(text)
                else:
                    found = process(ts[0], ts[1])
            except Exception as e:
                st["errors"] += 1
                log.error("[%s] failed to process line %r: %r", self.jailName, text[:200], e)
                continue
            if found:
                self._collect(groups, found, 1)
        st["anchor_dropped"] += dropped
        st["failures"] += skipped
        st["banned_skipped"] += skipped
        if counted:
            self._resolve_counted(counted, groups, raw2fid)
        if groups:
            n = self._hand_off(groups)
        else:
            self.performSvc()
            n = 0
        # thread time in batches (wall clock of this thread, prompt bans included)
        st["batch_ms"] += int((time.time() - t_start) * 1000 + 0.5)
        # this thread's CPU in batches (prompt bans included; prompt_ban_cpu_us: theirs)
        st["batch_cpu_us"] += int((_thread_time() - c_start) * 1e6)
        if _TRACE:
            with open(_TRACE, "a") as f:
                f.write("%.6f %.6f %d %d %d\n" % (now, time.time(), len(lines), n, st["bans"]))
        return n

    def _collect(self, groups, found, weight, times=None, fs=None):
        """Group failures by id; keyed by the id's text (fail2ban's IPAddr formats itself to
        hash), the value keeps the id: [first, last, count, matches, fail, fid]."""
        st = self.stats
        st["matched_lines"] += weight
        for element in found:
            fid, t, fail = element[1], element[2], element[3]
            first = last = t
            if times is not None:
                first, last = times
            key = fs if fs is not None else str(fid)
            g = groups.get(key)
            if g is None:
                groups[key] = [first, last, weight, fail.get("matches") or [], fail, fid]
            else:
                if first < g[0]:
                    g[0] = first
                if last > g[1]:
                    g[1] = last
                g[2] += weight
                m = fail.get("matches")
                if m:
                    g[3] = g[3] + m
                g[4] = fail

    def _resolve_counted(self, counted, groups, raw2fid):
        """fail2ban's processLine on the last line of each counted address; the rest counted.

        With a single-line failregex a match's ``matches`` entry is the whole line, so the
        other kept lines are added as text, as fail2ban would have added them.
        """
        st = self.stats
        process = self.processLine
        cache = self._found_cache if self._cache_found else None
        if len(raw2fid) > 65536:
            raw2fid.clear()
            self._found_cache.clear()
        for key, (n, first, last, samples) in counted.items():
            st["counted_lines"] += n
            tl, epoch = samples[-1]
            hit = cache.get(key) if cache is not None else None
            if hit is not None:
                fid, fail = hit
                fs = raw2fid.get(key) or str(fid)
                st["found_cached"] += 1
                matches = [x[0] for x in samples]
            else:
                try:
                    found = process(tl, epoch)
                except Exception as e:
                    st["errors"] += 1
                    log.error("[%s] failed to process line %r: %r", self.jailName, "".join(tl)[:200], e)
                    continue
                if not found:
                    continue
                fid, fail = found[-1][1], found[-1][3]
                fs = raw2fid[key] = str(fid)      # text form: IPAddr hashes by formatting itself
                if cache is not None and len(found) == 1:
                    cache[key] = (fid, dict((k, v) for k, v in fail.items() if k != "matches"))
                matches = [x[0] for x in samples[:-1]] + list(fail.get("matches") or [])
            merged = dict(fail)
            merged["matches"] = matches
            self._collect(groups, [(None, fid, last, merged)], n, (first, last), fs)

    def _is_banned(self, fid, now):
        """``fid``: the failure id as text (fail2ban's IPAddr hashes and compares as its text)."""
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
        promptban = self._promptban
        for fs, (first, last, n, matches, fail, fid) in groups.items():
            st["failures"] += n
            if self._is_banned(fs, now):
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
            # asked BEFORE a ban of this batch adds fid to the offenders: the observer acts
            # only on addresses banned before (a ban of this very batch has no record yet,
            # as with stock, where these failures reach the observer before banFound)
            known = Observers.Main is not None and self._known_offender(fs, now)
            attempts = fm.addFailure(tick, n)
            if n > 1:                         # "Total failed" counts lines, as with stock
                fm.setFailTotal(fm.getFailTotal() + n - 1)
            if known:
                # before the ban, as with stock (the failures reach the observer first)
                args = self._failure_found_args(Observers.Main, tick)
                for _ in range(min(n, maxretry)):
                    Observers.Main.add("failureFound", *args)
            if attempts >= maxretry:
                self.performBan(fid)
                self._pending_bans[fs] = now
                if self._offenders is not None:
                    self._offenders.add(fs)
                st["bans"] += 1
                if promptban:
                    # at once: the rest of the batch's hand-offs need not delay this ban
                    self._prompt_ban()
        st["handoffs"] += handoffs
        if promptban and self.jail.hasFailTickets:
            self._prompt_ban()
        if len(self._pending_bans) > 4096:
            self._pending_bans = dict((k, v) for k, v in self._pending_bans.items()
                                      if now - v < PENDING_BAN_S)
        self.performSvc()
        return handoffs

    def _known_offender(self, fid, now):
        """Would the observer act on a failure of ``fid``? (has this jail banned it before?)

        fail2ban's observer only changes anything (``bantime.increment``) for an address
        with a ban record of this jail in the database; for any other address each
        notification is a wasted database query.  The set of such addresses is read from
        the database once, then refreshed with the bans of the last OFFENDER_REFRESH_S
        every OFFENDER_REFRESH_S (and our own bans are added at once).
        """
        jail = self.jail
        if not jail.getBanTimeExtra("increment") or jail.database is None:
            return False
        if now >= self._offenders_next:
            try:
                if self._offenders is None:
                    tickets = jail.database.getBans(jail=jail)
                    self._offenders = set()
                else:
                    tickets = jail.database.getBans(jail=jail, bantime=int(OFFENDER_REFRESH_S * 2 + 1))
                self._offenders.update(str(t.getID()) for t in tickets)
            except Exception as e:  # pragma: no cover - be conservative: tell the observer
                log.debug("[%s] f2btune: reading past bans failed: %r", self.jailName, e)
                return True
            self._offenders_next = now + OFFENDER_REFRESH_S
        return fid in self._offenders or fid in self._pending_bans

    def _failure_found_args(self, observer, tick):
        """Arguments of the observer's failureFound: (jail, ticket) in 1.0.x; some versions
        take the FailManager first (failManager, jail, ticket)."""
        if self._ff_with_fm is None:
            import inspect
            try:
                params = list(inspect.signature(observer.failureFound).parameters)
            except (TypeError, ValueError, AttributeError):
                params = []
            self._ff_with_fm = bool(params) and params[0] == "failManager"
        if self._ff_with_fm:
            return (self.failManager, self.jail, tick)
        return (self.jail, tick)

    def _prompt_ban(self):
        """Run the queued bans now, in this thread, as ``fail2ban-client set JAIL banip`` does.

        fail2ban's actions thread polls its queue with sleeps growing from 0.2 s to 2 s, so
        a ticket can wait up to a second; under a flood that is a second of lines from an
        address that should be stopped.  The queue is thread-safe and each ticket is taken
        once, by whichever thread gets it first.
        """
        checkban = getattr(self.jail.actions, "_Actions__checkBan", None)
        if checkban is None:
            return
        t0 = time.time()
        c0 = _thread_time()
        for _ in range(1000):
            if not self.jail.hasFailTickets:
                break
            try:
                self.stats["prompt_bans"] += checkban() or 0
            except Exception as e:  # pragma: no cover - the actions thread would log the same
                log.error("[%s] f2btune: ban failed: %r", self.jailName, e)
                break
        self.stats["prompt_ban_ms"] += int((time.time() - t0) * 1000)
        self.stats["prompt_ban_cpu_us"] += int((_thread_time() - c0) * 1e6)

    def _flush_db_positions(self, db_update_s=5.0):
        """Write pending log positions to the database, at most every ``db_update_s``."""
        from fail2ban.server.mytime import MyTime
        if (self._pendDBUpdates and self.jail.database is not None
                and MyTime.time() >= self._nextUpdateTM):
            self._updateDBPending()
            self._nextUpdateTM = MyTime.time() + db_update_s

    def _loop_error(self, label, e):
        """An unexpected error in the reading loop: count, log, keep the jail alive (as stock)."""
        self.stats["errors"] += 1
        log.error("[%s] %s: unhandled %r", self.jailName, label, e,
                  exc_info=log.getEffectiveLevel() <= logging.DEBUG)
        self.commonError("unhandled", e)
        time.sleep(0.1)

    def stats_status(self):
        """Extra rows for ``fail2ban-client status <jail>``."""
        st = self.stats
        return [("f2btune", " ".join("%s=%d" % (k, st[k]) for k in STAT_KEYS))]
