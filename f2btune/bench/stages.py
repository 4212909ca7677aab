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
Reading the log is in :mod:`f2btune.bench.logs`, the untimed counting pass in
:mod:`f2btune.bench.counting`, the fail2ban helpers both share in :mod:`f2btune.bench.f2bparts`.
"""
import os
import tempfile

from f2btune.bench.f2bparts import CompiledRegexes, cut_date, ensure_fail2ban, set_fail2ban_logging, stage_filter
from f2btune.errors import Fail2banVersionError, InputError

STAGES = ("regex", "filter", "jail", "jail-info")
JAIL_NAME = "f2btune-bench"
NOOP_ACTION = os.path.join(os.path.dirname(os.path.abspath(__file__)), "noop_action.py")
MAXRETRY, FINDTIME, BANTIME = 5, 600, 600
IGNOREIP = ("127.0.0.1/8", "::1")


class RegexStage(object):
    def __init__(self, candidate, lines):
        flt = stage_filter(candidate)
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
        self._flt = stage_filter(candidate)
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
        ensure_fail2ban()
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
