"""What one pass over the log costs, stage by stage, using fail2ban's own objects.

``regex``      the candidate's compiled prefregex/failregexes (fail2ban's expansion of its tags)
               searched over each line as fail2ban presents it: date text cut out, newline added
               (the cut is done during set-up, with the candidate's own date detector);
``filter``     fail2ban's ``Filter.processLine``: date detection, prefregex, failregex, failure
               tuples (as fail2ban-regex runs it: no find-time check);
``jail``       fail2ban's ``processLineAndAdd`` on the FilterPoll of a real ``Jail``: fail tickets,
               ignoreip (127.0.0.1/8 ::1 and ignoreself), the FailManager at maxretry 5 /
               findtime 600 and bans through fail2ban's Actions/BanManager into a no-op Python
               action; the log is fed as a live tail ("in operation"), so fail2ban re-dates lines
               whose stamps are off by more than 60 s to now, as it does in a server.  fail2ban's
               log level is NOTICE (ban lines only), written to a file with its own format;
``jail-info``  the same with loglevel INFO (fail2ban's default): a "Found <ip>" record per failure.

A stage object is built once per worker process (set-up, untimed); ``reset()`` runs before every
pass (untimed: the jail stages get a fresh Jail each pass) and ``run()`` is the timed pass.
"""
import hashlib
import logging
import logging.handlers
import os
import tempfile

from f2btune.errors import Fail2banVersionError, InputError

STAGES = ("regex", "filter", "jail", "jail-info")
JAIL_NAME = "f2btune-bench"
NOOP_ACTION = os.path.join(os.path.dirname(os.path.abspath(__file__)), "noop_action.py")
MAXRETRY, FINDTIME, BANTIME = 5, 600, 600
IGNOREIP = ("127.0.0.1/8", "::1")
LOG_FORMAT_ADDTIME = True


# ---------------------------------------------------------------- reading logs

def check_log(path):
    """Raise InputError unless ``path`` is a readable, non-empty text log."""
    from f2btune.files import require_text_log
    return require_text_log(path)


def iter_log(path):
    """Stream decoded lines (UTF-8, invalid bytes replaced, as fail2ban does), without newlines."""
    with open(path, "rb") as f:
        for raw in f:
            yield raw.decode("utf-8", "replace").rstrip("\r\n")


def read_sample(path, max_lines):
    """The first ``max_lines`` lines (all if 0/None): what the timed passes run over."""
    lines = []
    for line in iter_log(path):
        lines.append(line)
        if max_lines and len(lines) >= max_lines:
            break
    return lines


# ---------------------------------------------------------------- fail2ban helpers

def _fail2ban():
    from f2btune import f2b
    f2b.ensure_importable()
    f2b.check_version()


def set_fail2ban_logging(level="NOTICE", path=None):
    """fail2ban's logger as a server sets it up: level, and a file handler with its own format.

    Without ``path`` a NullHandler keeps stray warnings off the terminal.  Returns the handler.
    """
    from fail2ban.helpers import getLogger, getVerbosityFormat
    logger = getLogger("fail2ban")
    for h in list(logger.handlers):
        logger.removeHandler(h)
        h.close()
    if path:
        handler = logging.handlers.RotatingFileHandler(path)
        handler.setFormatter(logging.Formatter(getVerbosityFormat(0, addtime=LOG_FORMAT_ADDTIME)))
    else:
        handler = logging.NullHandler()
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.getLevelName(level) if isinstance(level, str) else level)
    return handler


def cut_date(flt, line):
    """The buffer fail2ban's regexes see for ``line``: date text removed, newline appended."""
    m = flt.dateDetector.matchTime(line)[0]
    if m:
        s, e = m.start(1), m.end(1)
        return line[:s] + line[e:] + "\n"
    return line + "\n"


class CompiledRegexes(object):
    """The candidate's regexes exactly as fail2ban compiled them (tags expanded)."""

    def __init__(self, flt):
        import re
        pref = flt.prefRegex
        self.pref = re.compile(pref.getRegex()).search if pref is not None else None
        self.content = pref is not None and "content" in re.compile(pref.getRegex()).groupindex
        self.fails = [re.compile(r).search for r in flt.getFailRegex()]

    def match(self, buf):
        """The groups of the first match (prefregex groups merged in), or None."""
        groups = {}
        if self.pref is not None:
            m = self.pref(buf)
            if m is None:
                return None
            groups = m.groupdict()
            content = groups.pop("content", None) if self.content else None
            if content:
                buf = content + "\n"
        for search in self.fails:
            m = search(buf)
            if m is not None:
                groups.update((k, v) for k, v in m.groupdict().items() if v is not None)
                return groups
        return None


def host_of(groups):
    """The failure id fail2ban would take from a match: an address (normalised) or an id."""
    from fail2ban.server.ipdns import IPAddr
    for key in ("ip4", "ip6"):
        if groups.get(key):
            return str(IPAddr(groups[key]))
    for key in ("dns", "fid"):
        if groups.get(key):
            return groups[key]
    return "?"


# ---------------------------------------------------------------- counting (untimed, streaming)

class Counts(object):
    """Matched lines, distinct failure ids and a digest of (line number, id) for one candidate."""

    def __init__(self):
        self.matched = 0
        self.hosts = set()
        self._digest = hashlib.sha1()

    def add(self, lineno, ids):
        self.matched += 1
        self.hosts.update(ids)
        self._digest.update(("%d %s\n" % (lineno, " ".join(sorted(ids)))).encode("utf-8", "replace"))

    def result(self):
        return {"matched": self.matched, "hosts": len(self.hosts), "digest": self._digest.hexdigest()}


class CandidateCounter(object):
    """Runs one candidate over streamed lines at the regex and filter levels."""

    def __init__(self, candidate):
        self.filter = make_filter(candidate)
        self.regexes = CompiledRegexes(self.filter)
        self._cutter = candidate.build_filter()  # its own date detector state, like the regex stage
        self.regex_counts = Counts()
        self.filter_counts = Counts()

    def feed(self, lineno, line):
        groups = self.regexes.match(cut_date(self._cutter, line))
        if groups is not None:
            self.regex_counts.add(lineno, [host_of(groups)])
        fails = self.filter.processLine(line)
        if fails:
            self.filter_counts.add(lineno, set(str(f[1]) for f in fails))


def count_log(path, candidates):
    """One streamed pass over the whole log: ``(lines, [{'regex': counts, 'filter': counts}, ...])``."""
    _fail2ban()
    logger = logging.getLogger("fail2ban")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    set_fail2ban_logging("CRITICAL")
    try:
        counters = [CandidateCounter(c) for c in candidates]
        n = 0
        for n, line in enumerate(iter_log(path), 1):
            for c in counters:
                c.feed(n, line)
    finally:  # leave the caller's fail2ban logging as it was
        for h in list(logger.handlers):
            logger.removeHandler(h)
        for h in saved[0]:
            logger.addHandler(h)
        logger.setLevel(saved[1])
        logger.propagate = saved[2]
    return n, [{"regex": c.regex_counts.result(), "filter": c.filter_counts.result()}
               for c in counters]


# ---------------------------------------------------------------- timed stages

def make_filter(candidate):
    """A fail2ban Filter for the filter stage: as fail2ban-regex runs it (no find-time check)."""
    _fail2ban()
    flt = candidate.build_filter()
    flt.checkFindTime = False
    return flt


class RegexStage(object):
    def __init__(self, candidate, lines):
        flt = make_filter(candidate)
        self._rx = CompiledRegexes(flt)
        self._bufs = [cut_date(flt, line) for line in lines]

    def reset(self):
        pass

    def run(self):
        pref, content, fails = self._rx.pref, self._rx.content, self._rx.fails
        n = 0
        for buf in self._bufs:
            if pref is not None:
                m = pref(buf)
                if m is None:
                    continue
                if content:
                    c = m.group("content")
                    if c:
                        buf = c + "\n"
            for search in fails:
                if search(buf) is not None:
                    n += 1
                    break
        return n

    def close(self):
        pass


class FilterStage(object):
    def __init__(self, candidate, lines):
        set_fail2ban_logging("NOTICE")
        self._flt = make_filter(candidate)
        self._lines = lines

    def reset(self):
        pass

    def run(self):
        process = self._flt.processLine
        for line in self._lines:
            process(line)

    def close(self):
        pass


class JailStage(object):
    """A real fail2ban Jail per pass; ``loglevel`` NOTICE (``jail``) or INFO (``jail-info``)."""

    CHUNK = 100  # lines between two runs of the actions' ban check (the server's thread would wake)

    def __init__(self, candidate, lines, loglevel="NOTICE"):
        _fail2ban()
        from fail2ban.server.actions import Actions
        if not hasattr(Actions, "_Actions__checkBan"):
            raise Fail2banVersionError("this fail2ban has no Actions.__checkBan: jail stage unsupported")
        self._candidate = candidate
        self._tmp = tempfile.mkdtemp(prefix="f2btune-bench-%d-" % os.getpid())
        self._logpath = os.path.join(self._tmp, "fail2ban.log")
        self._handler = set_fail2ban_logging(loglevel, self._logpath)
        self._chunks = [lines[i:i + self.CHUNK] for i in range(0, len(lines), self.CHUNK)]
        self.jail = None
        candidate.validate()

    def reset(self):
        from fail2ban.server.jail import Jail
        self.jail = None  # the previous jail and its tickets are garbage
        stream = getattr(self._handler, "stream", None)
        if stream is not None:  # keep the log file small: truncate between passes
            stream.flush()
            stream.seek(0)
            stream.truncate()
        jail = Jail(JAIL_NAME, backend="polling")
        flt = jail.filter
        self._candidate.configure(flt)
        flt.setMaxRetry(MAXRETRY)
        flt.setFindTime(FINDTIME)
        for ip in IGNOREIP:
            flt.addIgnoreIP(ip)
        jail.actions.setBanTime(BANTIME)
        jail.actions.add("f2btune-noop", NOOP_ACTION, {})
        flt.inOperation = True
        self.jail = jail

    def run(self):
        jail = self.jail
        add = jail.filter.processLineAndAdd
        check_ban = jail.actions._Actions__checkBan
        for chunk in self._chunks:
            for line in chunk:
                add(line)
            while jail.hasFailTickets:
                check_ban()

    def bans(self):
        return self.jail.actions.banManager.getBanTotal() if self.jail else 0

    def close(self):
        import shutil
        try:
            set_fail2ban_logging("CRITICAL")  # detaches and closes the file handler
        finally:
            shutil.rmtree(self._tmp, ignore_errors=True)


def make_stage(stage, candidate, lines):
    if stage == "regex":
        return RegexStage(candidate, lines)
    if stage == "filter":
        return FilterStage(candidate, lines)
    if stage == "jail":
        return JailStage(candidate, lines, "NOTICE")
    if stage == "jail-info":
        return JailStage(candidate, lines, "INFO")
    raise InputError("unknown stage %r (known: %s)" % (stage, ", ".join(STAGES)))
