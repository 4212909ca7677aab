"""Raw lines in, failures per address out: the per-line part of a batch.

Per line:

1. its time: a syslog stamp at the line start, known to :class:`.stamps.StampCache`, is the
   one fail2ban cuts (nothing before it); every other line gets fail2ban's own date search
   once (the journal flavour gives the entry's time);
2. the anchor (see :mod:`.anchor`) is tested on the raw bytes only where the stamp is cut
   at the start, so every literal of the regexes lies contiguously in the raw line; other
   lines are never dropped by it (``prefilter_skipped``);
3. lines with NUL bytes are dropped and counted; a line of a banned address is skipped
   (the address read after its locator on the raw bytes, when the locator occurs once);
4. undecodable bytes are replaced, as fail2ban does, and counted;
5. with a plain failregex the backend counts the address itself (a :class:`.records.Tally`,
   weighted by ``<F-REPEATS>``); otherwise fail2ban's ``processLine`` runs on the line;
6. where fail2ban's answer depends on the address alone, a new address is counted until
   maxretry without asking fail2ban at all (see :mod:`.pending`).
"""
import logging
import re
import socket

from f2btune.backend.pending import unresolved
from f2btune.backend.records import Tally, collect, repeat_weight
from f2btune.backend.stamps import stamp_end

log = logging.getLogger("fail2ban.f2btune")
# an address as written after its locator: optional "[", optional IPv4-mapped prefix
ADDR_TOKEN_B = re.compile(rb"\[?(?:::[fF]{4,6}:)?([0-9A-Fa-f:.]+)")
# an IPv4 address written as fail2ban's IPAddr writes it (no leading zeros, octets <= 255)
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
CANONICAL_IP4 = re.compile(r"%s(?:\.%s){3}\Z" % (_OCTET, _OCTET))
# the raw banned check runs while at least this share of a batch's lines were banned ones:
# it costs a non-banned line about two thirds of what it saves a banned one
RAW_CHECK_SHARE = 0.25


def fid_text(addr):
    """The text of fail2ban's ``IPAddr(addr)`` for an address as matched, or None when it
    cannot be told without fail2ban (IPv4-mapped forms, anything unusual)."""
    if CANONICAL_IP4.match(addr):
        return addr
    if ":" not in addr or "." in addr:
        return None
    try:
        return socket.inet_ntop(socket.AF_INET6, socket.inet_pton(socket.AF_INET6, addr))
    except (OSError, ValueError):
        return None


class Scanner(object):
    """Mixed into the backend's Filter (see :class:`.core.BatchCore` for the state)."""

    # set by an action that weighs failures per account and time (action.d/f2btune-tolerance.py):
    # fid -> True when a batch's failures of that address must be handed off per account and time
    f2bt_split_accounts = None
    _banned_share = 1.0          # share of the last batch's lines that were of banned addresses

    def _scan(self, lines, jtimes, groups, tallies):
        st, stamps, fast = self.stats, self._stamps, (self._fast if self.inOperation else None)
        test, enc, cache = self._anchor_test, self._encoding, stamps.cache
        banned0 = st["banned_skipped"]
        # the raw check pays where banned lines are common (it saves their decoding and regex)
        loc = self._locator_b if fast is not None and self._banned_share >= RAW_CHECK_SHARE else None
        raw_banned, memo = {}, {}
        dropped = skipped = unfiltered = 0
        drop, is_banned = self._banned_lines, self.bans.is_banned
        drop = (drop.droppable if drop is not None and fast is None and self.inOperation
                and self.f2bt_split_accounts is None and self.bans.any() else None)
        for i, raw in enumerate(lines):
            if jtimes is None:
                end, key = stamp_end(raw)
                epoch = cache.get(key, None) if key is not None else False
                if epoch is None:                         # a new stamp: ask fail2ban once
                    epoch = stamps.learn(raw.decode(enc, "replace"), end, key)
            else:
                end, epoch = -1, jtimes[i][1]
            if epoch is False:
                unfiltered += 1                           # the date may sit inside a literal
            elif test is not None and not test(raw):
                dropped += 1
                continue
            if b"\0" in raw:
                st["nul_lines"] += 1
                continue
            if loc is not None and epoch is not False and self._raw_banned(raw, loc, raw_banned):
                skipped += 1
                continue
            try:
                text = raw.decode(enc)
            except UnicodeDecodeError:
                text = raw.decode(enc, "replace")
                st["undecodable"] += 1
            if text.endswith("\r"):
                text = text.rstrip("\r")
            if epoch is False:
                ts = stamps.split(text)
                if not ts:
                    if ts is None:
                        self._undated(text)
                    self._process(groups, text, None)
                    continue
                tl, epoch = ts
            else:
                tl = ("", jtimes[i][0] + " ", text) if end < 0 else ("", text[:end], text[end:])
            if fast is None or not self._count_fast(fast, tl, epoch, tallies, memo):
                if drop is not None and drop(tl, is_banned):
                    st["banned_dropped"] += 1         # names only a banned address: bannedlines.py
                    continue
                self._process(groups, tl, epoch)
        st["anchor_dropped"] += dropped
        st["prefilter_skipped"] += unfiltered if test is not None else 0
        st["failures"] += skipped
        st["banned_skipped"] += skipped
        if lines:
            self._banned_share = (st["banned_skipped"] - banned0) / float(len(lines))

    def _raw_banned(self, raw, loc, memo):
        """Is the address right after the locator (e.g. ``SRC=``) banned?  Read on the raw
        bytes, before decoding, date or regex; only where the locator occurs once."""
        j = raw.find(loc)
        if j < 0 or raw.find(loc, j + len(loc)) >= 0:
            return False
        tm = ADDR_TOKEN_B.match(raw, j + len(loc))
        if tm is None:
            return False
        k = tm.group(1)
        b = memo.get(k)
        if b is None:
            fid = self._raw2fid.get(k.decode("ascii"))
            b = memo[k] = fid is not None and self.bans.is_banned(fid)
        return b

    def _count_fast(self, fast, tl, epoch, tallies, memo):
        """Count a line with the backend's own failregex run; False: processLine decides.

        ``memo``: this batch's banned answers by address text.
        """
        buf = tl[0] + tl[2] + "\n"
        for rx, g4, g6, grep in fast:
            m = rx.search(buf)
            if m is not None:
                break
        else:
            return True                        # no failregex matches: not a failure
        addr = (g4 and m.group(g4)) or (g6 and m.group(g6))
        if not addr:
            return False
        weight = repeat_weight(m.group(grep)) if grep else 1
        b = memo.get(addr)
        if b is None:
            b = memo[addr] = self.bans.is_banned(self._raw2fid.get(addr) or addr)
        if b:
            self.stats["banned_skipped"] += weight
            self.stats["failures"] += weight
            return True
        now = self.bans.now
        e = now if abs(epoch - now) > 60 else epoch     # fail2ban's rule in operation
        t = tallies.get(addr)
        if t is None:
            tallies[addr] = Tally(weight, e, (tl, epoch))
        else:
            t.add(weight, e, (tl, epoch), self._keep)
        return True

    def _process(self, groups, line, epoch):
        """fail2ban's processLine on one line; its failures go to ``groups``."""
        st = self.stats
        try:
            found = self.processLine(line) if epoch is None else self.processLine(line, epoch)
        except Exception as e:
            st["errors"] += 1
            log.error("[%s] failed to process line %r: %r", self.jailName, "".join(line)[:200], e)
            return
        if epoch is None:
            st["date_fallback"] += 1
        for element in found or ():
            fid, t, fail = element[1], element[2], element[3]
            if t is None:                  # no date at all: stock fails such a line too
                continue
            w = repeat_weight(fail["repeats"]) if "repeats" in fail else 1
            st["matched_lines"] += 1
            split = self.f2bt_split_accounts
            collect(groups, fid, t, t, w, fail, account_key(fid, fail, t) if split and split(fid) else None)

    def _undated(self, text):
        st = self.stats
        if not st["undated"]:
            log.warning("[%s] f2btune: a line without a date this jail's datepattern accepts "
                        "(counted in status as undated; check datepattern): %r",
                        self.jailName, text[:200])
        st["undated"] += 1

    def _resolve_tallies(self, tallies, groups):
        """fail2ban's processLine on the last line of each counted address; the rest counted.

        With a single-line failregex a match's ``matches`` entry is the whole line, so the
        other kept lines are added as text, as fail2ban would have added them.
        """
        st, raw2fid = self.stats, self._raw2fid
        cache = self._found_cache if self._cache_found else None
        if len(raw2fid) > 65536:
            raw2fid.clear()
            self._found_cache.clear()
        defer = self._pending is not None and cache is not None
        entries = self._pending.entries if defer else {}
        parked = 0
        if defer:
            self._pending_begin()
        for key, t in tallies.items():
            st["counted_lines"] += t.count
            e = entries.get(key)
            if e is not None and e.fid is None:     # counted here, fail2ban not asked yet
                parked += self._defer(key, key, t, groups)
                continue
            tl, epoch = t.samples[-1]
            hit = cache.get(key) if cache is not None else None
            fs = fid_text(key) if hit is None and defer else None
            if fs is not None:
                parked += self._defer(key, fs, t, groups)
                continue
            if hit is not None:
                fid, fail = hit
                st["found_cached"] += 1
                matches = [s[0] for s in t.samples]
            else:
                try:
                    found = self.processLine(tl, epoch)
                except Exception as e:
                    st["errors"] += 1
                    log.error("[%s] failed to process line %r: %r", self.jailName, "".join(tl)[:200], e)
                    continue
                if not found:
                    continue
                fid, fail = found[-1][1], found[-1][3]
                raw2fid[key] = str(fid)       # text form: IPAddr hashes by formatting itself
                if cache is not None and len(found) == 1:
                    cache[key] = (fid, dict((k, v) for k, v in fail.items() if k != "matches"))
                matches = [s[0] for s in t.samples[:-1]] + list(fail.get("matches") or [])
            merged = dict(fail)
            merged["matches"] = matches
            collect(groups, fid, t.first, t.last, t.count, merged, raw2fid.get(key) or str(fid))
        if parked:                            # "Total failed" counts failures, as with stock
            fm = self.failManager
            fm.setFailTotal(fm.getFailTotal() + parked)
            st["parked"] += parked
            st["failures"] += parked
            st["pending"] = len(self._pending)

    def _defer(self, key, fs, t, groups):
        """An address fail2ban has not been asked about, whose id text is ``fs`` (its answer
        depends on the address alone): counted here (returns the failures counted) or left
        to the hand-off unresolved; fail2ban is asked only if it reaches maxretry."""
        if fs != key:
            self._raw2fid[key] = fs
        if fs not in groups and self._park_new(fs, t):
            return t.count
        g = groups.get(fs)
        if g is None:
            groups[fs] = unresolved(t, self._keep)
        else:
            g.merge(t.first, t.last, t.count, [s[0] for s in t.samples], None)
        return 0


def account_key(fid, fail, t):
    """A group key that keeps one address's failures apart per account, per set of accounts a
    connection tried, invalid-user failures apart, and per time (a tolerance may end between)."""
    users = fail.get("users")
    return (str(fid), fail.get("user"), bool(fail.get("cond_inv")), tuple(sorted(users)) if users else None, t)
