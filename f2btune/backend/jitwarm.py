"""Warm PyPy's JIT on the backend's per-line path before the first real line.

A freshly started PyPy server runs the first tens of thousands of lines in its interpreter
and tracer, several times slower than later: a flood that meets a fresh server is banned
late.  Here, when the jail starts, synthetic lines of the jail's own shape (written from its
failregex, see :mod:`.regexsample`) go through ``process_raw_lines`` of a *scratch* copy of
the filter: the same class and code, but its own statistics, stamp cache, ban view, per-
address counter, answer caches, date detector and a FailManager of its own, all thrown away
afterwards.  The real filter, its FailManager, the database, the observer and the actions
never see a synthetic line (each address stays below maxretry, so no ban is ever due).

Option ``jitwarm`` (``backend = f2btune[jitwarm=auto]``): ``auto`` warms under a JIT (PyPy)
only, ``yes`` always, ``no`` never.  The warm-up runs only where the backend counts lines
itself (a plain failregex with an address group, see ``core._fast_regexes``), with a
readable ignore list (no DNS names, no ignorecommand) and maxretry > 1; it stops early when
a real line is waiting (real lines warm the JIT as well) and after ``WARM_S`` seconds.
"""
import copy
import logging
import os
import platform
import select
import threading
import time

from f2btune.backend import regexsample
from f2btune.backend.banview import BanView
from f2btune.backend.ignored import SurelyKept
from f2btune.backend.offenders import KnownOffenders
from f2btune.backend.stamps import StampCache
from f2btune.floodbase import stamp_3164

log = logging.getLogger("fail2ban.f2btune")

JIT = platform.python_implementation() == "PyPy"
WARM_LINES = 60000          # synthetic lines at most
WARM_S = 3.0                # and at most this long (wall time)
BATCH = 256                 # lines per synthetic batch (a real batch: up to ~500)


def wanted(mode):
    """Does the option value (``no``, ``auto`` or ``yes``, see options.py) ask for a warm-up
    in this interpreter?"""
    return JIT if mode == "auto" else mode == "yes"


def scratch_copy(flt):
    """A copy of the filter that shares its configuration (regexes, jail, ignore rules)
    but none of the state a batch changes."""
    s = copy.copy(flt)
    s.stats = dict.fromkeys(flt.stats, 0)
    s.options = copy.copy(flt.options)
    s.options.promptban = False
    s._anchor_due = float("inf")                  # the anchor is the filter's, as derived
    s._stamps = StampCache(s)
    s.bans = BanView(s)
    s.offenders = KnownOffenders(s)
    s.offenders.ids, s.offenders.next_refresh = set(), float("inf")   # no database read
    s._raw2fid, s._found_cache = {}, {}
    s._pending_init(flt._pending.cap)
    # FailManager() would re-initialise fail2ban's BgService singleton: copy the jail's
    fm = s.failManager = copy.copy(flt.failManager)
    fm._FailManager__failList, fm._FailManager__lock = {}, threading.Lock()
    s.dateDetector = detector_copy(flt.dateDetector)
    s._Filter__ignoreCache = None
    s._Filter__lineBuffer = []
    s._Filter__lastTimeText = ""
    s._Filter__lastDate = None
    s.inOperation = True
    return s


def detector_copy(dd):
    """A DateDetector with the same templates (shared, as fail2ban's own cache shares them)
    and none of the per-use state (hits, last position, order)."""
    if dd is None:
        return None
    from fail2ban.server.datedetector import DateDetector
    out = DateDetector()
    out.default_tz = dd.default_tz
    for w in dd.templates:
        out._appendTemplate(w.template, ignoreDup=True)
    if not out.templates:
        out.addDefaultTemplate()                    # as its first matchTime would
    return out


def template_hits(dd):
    """The hit counts of the date templates, which fail2ban shares between detectors (a
    warm-up restores them: fail2ban's search order looks at them)."""
    return [(w.template, w.template.hits) for w in (dd.templates if dd is not None else ())]


def why_not(flt):
    """Why the warm-up cannot run on this jail (None: it can)."""
    if flt._fast is None:
        return "lines go through processLine (prefregex, ignoreregex, F-ID ... or prefilter = no)"
    if flt._pending is None:
        return "maxpending = 0: every address would reach the FailManager"
    if flt.getMaxRetry() <= 1:
        return "maxretry <= 1: every failure is a ban"
    if flt.ignoreCommand or flt.f2bt_split_accounts is not None:
        return "ignorecommand or a per-account action"
    return None


def known_shapes(n=16):
    """Templates (see :mod:`.regexsample`) from f2btune's own flood generator: real kernel
    LOG lines with the default prefix.  Their lengths and fields are a real line's, which
    matters: PyPy compiles the regex search for the paths a text takes through the regex."""
    from f2btune.flood import iter_lines
    out = []
    for rec in iter_lines(n, sources=n, noise=0.0, ipv6=0.0, seed=7):
        out.append(rec.text[16:].replace(rec.src, regexsample.ADDR))
    return out


def line_maker(flt, s):
    """f(addresses) -> (raw lines, journal times or None) of the jail's shape that the
    scratch copy ``s`` counts as failures of those addresses; None when none is found.
    Real-looking shapes (:func:`known_shapes`) when the jail's failregex takes them, else
    texts written from the failregex itself."""
    journal = type(flt).__module__.endswith(".journal")
    regexes = [c for c, _, _, _ in flt._fast]
    found = [t for t in known_shapes() if any(
        regexsample.matching_text(t, rx, rx.groupindex.get("ip4"), "198.18.0.1") for rx in regexes)]
    if not found:
        found = [t for t, fam, _ in regexsample.address_templates(regexes) if fam == 4]
    for sep in ("", " "):
        ok = []
        for i, tmpl in enumerate(found[:16]):
            before = s.stats["counted_lines"]
            lines, jt = _maker([tmpl], sep, journal)(["198.19.255.%d" % (i + 1)])
            s.process_raw_lines(lines, 0, jt)
            if s.stats["counted_lines"] == before + 1 and not s.stats["errors"]:
                ok.append(tmpl)
        if ok:
            return _maker(ok, sep, journal)
    return None


def _maker(tmpls, sep, journal):
    n = len(tmpls)

    def make(addrs):
        now = time.time()
        texts = [sep + regexsample.fill(tmpls[i % n], a) for i, a in enumerate(addrs)]
        if journal:
            iso = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(now))
            return [t.encode() for t in texts], [(iso, now)] * len(addrs)
        stamp = stamp_3164(now) + " "                  # RFC 3164, as syslog writes it
        return [(stamp + t).encode() for t in texts], None
    return make


def addresses(n, per, kept):
    """The addresses of ``n`` lines: each address of 198.18.0.0/15 (benchmarking, RFC 2544)
    ``per`` times, interleaved with the others of its batch, skipping those the jail's ignore
    rules may ignore (198.19.255.x is left to :func:`line_maker`'s check)."""
    out, block, i = [], [], 0
    while len(out) + len(block) * per < n and i < (1 << 17) - 256:
        a = "198.%d.%d.%d" % (18 + (i >> 16), (i >> 8) & 255, i & 255)
        i += 1
        if not a.endswith(".0") and kept(a):
            block.append(a)
        if len(block) * per >= BATCH:
            out.extend(block * per)
            block = []
    return (out + block * per)[:n]


def unread(flt):
    """Is a real line waiting in one of the file flavour's logs (the journal's: unknown)?"""
    for t in list(getattr(flt, "_tails", {}).values()):
        fd = t.fd
        try:
            if fd is None:
                continue
            if t.fifo is not None:
                p = select.poll()
                p.register(fd, select.POLLIN)
                if p.poll(0):
                    return True
            elif os.fstat(fd).st_size > t.pos:
                return True
        except (OSError, AttributeError, ValueError):
            continue
    return False


def warm(flt, waiting=unread):
    """Run the warm-up on ``flt`` (the option said so); returns (lines, seconds) or None."""
    why = why_not(flt)
    if why is not None:
        log.debug("[%s] f2btune jitwarm: skipped: %s", flt.jailName, why)
        return None
    t0 = time.monotonic()
    s = scratch_copy(flt)
    hits = template_hits(s.dateDetector)
    try:
        done = _run(flt, s, t0, waiting)
    finally:
        for tmpl, n in hits:
            tmpl.hits = n
        s.__dict__.clear()        # no reference cycle keeps the scratch state alive
    if done is None:
        log.debug("[%s] f2btune jitwarm: skipped: no synthetic line", flt.jailName)
        return None
    took = time.monotonic() - t0
    log.info("[%s] f2btune jitwarm: %d synthetic lines in %.2f s", flt.jailName, done, took)
    return done, took


def _run(flt, s, t0, waiting):
    """The synthetic batches on the scratch copy ``s``; the lines run, or None."""
    kept = SurelyKept(s)
    kept.refresh()
    make = line_maker(flt, s) if kept.nets4 is not None else None
    if make is None:
        return None
    per = min(flt.getMaxRetry() - 1, 3)
    # the counter never fills: nothing spills over to the (scratch) FailManager
    addrs = addresses(min(WARM_LINES, per * max(0, flt._pending.cap - 64)), per, kept.kept)
    done = 0
    for i in range(0, len(addrs), BATCH):
        if time.monotonic() - t0 > WARM_S or waiting(flt):
            break
        lines, jt = make(addrs[i:i + BATCH])
        s.process_raw_lines(lines, 0, jt)
        done += len(lines)
    return done
