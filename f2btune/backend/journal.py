"""Backend ``f2btune-journal`` (alias ``systemd-f2btune``): the systemd journal, few fields.

fail2ban's stock systemd backend converts every field of every entry to Python objects.
This one reads, per entry, only what the line needs: ``MESSAGE``, ``_HOSTNAME``,
``SYSLOG_IDENTIFIER`` (or ``_COMM``), the PID and, for kernel messages, the monotonic
stamp; it rebuilds the same "host ident[pid]: message" line fail2ban's backend builds
(so journal filters such as ``logtype = journal`` work unchanged), tests the anchor on
those bytes and takes the time from the journal entry itself (no date parsing).

Options as for ``backend = systemd``: ``journalpath``, ``journalfiles``, ``journalflags``,
``namespace``; plus ``anchor``, ``maxdelay``, ``maxlinesize``, ``prefilter``.
The position (time of the last entry) is kept in fail2ban's database, as stock does.
python3-systemd is a C extension: under PyPy it cannot load, and the jail says so.
"""
import datetime
import glob
import logging
import os
import select

from fail2ban.server.filter import JournalFilter
from fail2ban.server.mytime import MyTime
from fail2ban.helpers import splitwords

from f2btune.backend.core import BatchCore
from f2btune.backend.loop import ReadLoop
from f2btune.backend.options import CORE_OPTIONS, refuse_unknown

log = logging.getLogger("fail2ban.f2btune")

JOURNAL_NAME = "systemd-journal"
BATCH_ENTRIES = 2000


def import_journal():
    """python3-systemd's journal module, or a RuntimeError that says what is missing."""
    try:
        from systemd import journal
        return journal
    except ImportError as e:
        import platform
        hint = (" (python3-systemd is a CPython C extension; it does not load under %s: run this "
                "jail's server with CPython or use backend = f2btune on a log file or pipe)"
                % platform.python_implementation()) if platform.python_implementation() != "CPython" \
            else " (apt-get install python3-systemd)"
        raise RuntimeError("backend f2btune-journal needs the systemd journal module: %s%s" % (e, hint))


def journal_args(kwargs):
    """Reader arguments from the backend options, as fail2ban's systemd backend reads them."""
    args = {}
    if "journalpath" in kwargs:
        args["path"] = kwargs.pop("journalpath")
    if "journalfiles" in kwargs:
        files = []
        for p in splitwords(kwargs.pop("journalfiles")):
            files.extend(glob.glob(p))
        args["files"] = sorted(set(files))
    if "journalflags" in kwargs:
        args["flags"] = int(kwargs.pop("journalflags"))
    elif not args.get("files") and not args.get("path"):
        args["flags"] = int(os.getenv("F2B_SYSTEMD_DEFAULT_FLAGS", 4))
    if "namespace" in kwargs:
        args["namespace"] = kwargs.pop("namespace")
    return args


JOURNAL_OPTIONS = CORE_OPTIONS + ("journalpath", "journalfiles", "journalflags", "namespace")


class F2btuneJournalFilter(BatchCore, ReadLoop, JournalFilter):

    def __init__(self, jail, **kwargs):
        self._journal_mod = import_journal()
        opts = dict(kwargs)
        self._core_init(opts)
        jargs = journal_args(opts)
        refuse_unknown(opts, "f2btune-journal", JOURNAL_OPTIONS)
        JournalFilter.__init__(self, jail)
        self._reader = self._journal_mod.Reader(**jargs)
        self._matches = []
        self.setDatePattern(None)
        self._last_time = None
        self._skip_until = 0
        self._poller = None

    # -- journalmatch (same syntax as fail2ban's systemd backend) ------------------------
    def addJournalMatch(self, match):
        groups = [[]]
        for m in match:
            if m == "+":
                groups.append([])
            else:
                groups[-1].append(m)
        self._add_matches(groups)
        log.info("[%s] Added journal match for: %r", self.jailName, " ".join(match))

    def _add_matches(self, groups):
        r = self._reader
        if self._matches:
            r.add_disjunction()
        for g in groups:
            for m in g:
                r.add_match(m)
            r.add_disjunction()
        self._matches.extend(groups)

    def delJournalMatch(self, match=None):
        if match is None:
            del self._matches[:]
        elif match in self._matches:
            self._matches.remove(match)
        else:
            raise ValueError("Match %r not found" % match)
        keep, self._matches = self._matches, []
        self._reader.flush_matches()
        if keep:
            self._add_matches(keep)

    def getJournalMatch(self):
        return self._matches

    def getJournalReader(self):
        return self._reader

    def addLogPath(self, path, tail=False, autoSeek=True):
        log.info("[%s] backend f2btune-journal reads the journal; logpath %r is not used", self.jailName, path)

    def getLogPaths(self):
        return []

    def status(self, flavor="basic"):
        ret = JournalFilter.status(self, flavor=flavor)
        ret.append(("Journal matches", [" + ".join(" ".join(m) for m in self._matches)]))
        ret.extend(self.stats_status())
        return ret

    # -- reading -------------------------------------------------------------------------
    def _entry(self, r):
        """(raw line bytes, (iso, epoch)) of the current entry, from the few fields needed."""
        get = r._get
        try:
            us = int(get("_SOURCE_REALTIME_TIMESTAMP"))
        except (KeyError, ValueError):
            us = r._get_realtime()
        parts = []
        try:
            parts.append(get("_HOSTNAME"))
        except KeyError:
            pass
        ident = None
        try:
            ident = get("SYSLOG_IDENTIFIER")
        except KeyError:
            try:
                ident = get("_COMM")
            except KeyError:
                pass
        if ident:
            pid = None
            for f in ("SYSLOG_PID", "_PID"):
                try:
                    pid = get(f)
                    break
                except KeyError:
                    pass
            tag = ident + (b"[" + pid + b"]" if pid else b"") + b":"
            parts.append(tag)
            if tag == b"kernel:":
                try:
                    mono = int(get("_SOURCE_MONOTONIC_TIMESTAMP"))
                except (KeyError, ValueError):
                    mono = r._get_monotonic()[0]
                    mono = int(mono.total_seconds() * 1e6) if hasattr(mono, "total_seconds") else int(mono)
                parts.append(("[%12.6f]" % (mono / 1e6)).encode())
        try:
            parts.append(get("MESSAGE").replace(b"\n", b"\\n"))
        except KeyError:
            parts.append(b"")
        epoch = us / 1e6
        return b" ".join(parts), epoch

    def _read_batch(self):
        r = self._reader
        lines, times = [], []
        nbytes = 0
        for _ in range(BATCH_ENTRIES):
            if not r._next():
                break
            raw, epoch = self._entry(r)
            if epoch <= self._skip_until:
                continue
            if len(raw) > self.maxlinesize:
                self.stats["oversize_lines"] += 1
                continue
            lines.append(raw)
            times.append((datetime.datetime.fromtimestamp(epoch).isoformat(), epoch))
            nbytes += len(raw) + 1
        return lines, times, nbytes

    # -- the loop (see loop.ReadLoop) -----------------------------------------------------
    def _loop_start(self):
        r = self._reader
        if not self._matches:
            log.notice("[%s] Jail started without 'journalmatch' set: every journal entry is checked",
                       self.jailName)
        start = MyTime.time() - int(self.getFindTime())
        db = self.jail.database
        if db is not None:
            stored = db.getJournalPos(self.jail, JOURNAL_NAME) or 0
            self._skip_until = stored       # that entry was processed before the restart
            start = max(start, stored)
        r.seek_realtime(start)
        self.inOperation = False
        self._poller = select.poll()
        try:
            self._poller.register(r.fileno(), r.get_events())
        except Exception:
            self._poller = None

    def _loop_end(self):
        try:
            self._reader.close()
        except Exception:
            pass

    def _read_available(self):
        """One bounded batch of entries; True when it was full (more are waiting)."""
        lines, times, nbytes = self._read_batch()
        if lines:
            self.process_raw_lines(lines, nbytes, journal_times=times)
            self._last_time = times[-1]
            if times[-1][1] >= MyTime.time() - 1:
                self.inOperation = True
            self._pendDBUpdates[JOURNAL_NAME] = (times[-1][1], times[-1][0])
        if len(lines) < BATCH_ENTRIES:
            self.inOperation = True
            return False
        return True

    def _wait(self, timeout):
        r = self._reader
        if self._poller is not None:
            events = self._poller.poll(timeout * 1000.0)
        else:
            events = r.wait(timeout)
        if not self.active:
            return False
        return bool(events) and r.process() != self._journal_mod.NOP

    def _updateDBPending(self):
        db = self.jail.database
        while self._pendDBUpdates:
            name, (tm, iso) = self._pendDBUpdates.popitem()
            db.updateJournal(self.jail, name, tm, iso)

    def onStop(self):
        if self._pendDBUpdates and self.jail.database:
            self._updateDBPending()
