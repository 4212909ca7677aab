"""Backend ``f2btune``: log files and named pipes, woken by inotify.

pyinotify's WatchManager adds and removes the watches; the events are read raw from its
descriptor.  The loop sleeps in ``poll()`` on the inotify descriptor (file modified, file or
directory created/moved/deleted), on every named pipe and on a stop pipe; a directory event
makes every path look for rotation at its next read.  Coalescing within the ``maxdelay``
budget: see :mod:`.loop`.
"""
import logging
import os
import select
import struct
import threading

from fail2ban.server.filter import FileFilter, Filter

from f2btune.backend.core import BatchCore
from f2btune.backend.loop import ReadLoop
from f2btune.backend.options import CORE_OPTIONS, refuse_unknown
from f2btune.backend.tail import LogTail

log = logging.getLogger("fail2ban.f2btune")

_EVENT = struct.Struct("iIII")       # struct inotify_event: wd, mask, cookie, len (+ name)
_IN_MODIFY = 0x2

try:
    import pyinotify
except ImportError:  # pragma: no cover - reported by the registration
    pyinotify = None


class F2btuneFileFilter(BatchCore, ReadLoop, FileFilter):
    """fail2ban FileFilter API (addlogpath, logencoding, status, database positions)."""

    def __init__(self, jail, **kwargs):
        if pyinotify is None:
            raise RuntimeError("backend f2btune needs pyinotify (apt-get install python3-pyinotify)")
        opts = dict(kwargs)
        self._core_init(opts)
        refuse_unknown(opts, "f2btune", CORE_OPTIONS)
        FileFilter.__init__(self, jail)
        self._tails = {}
        self._tails_lock = threading.Lock()
        self._watch_dirty = True
        self._wm = None
        self._ifd = None
        self._poller = None
        self._watches = {}            # path -> (wd, ino)
        self._dir_watches = {}
        self._wake_r, self._wake_w = os.pipe()
        for fd in (self._wake_r, self._wake_w):
            os.set_blocking(fd, False)
            os.set_inheritable(fd, False)

    # -- FileFilter API, on our own containers ---------------------------------------------
    def addLogPath(self, path, tail=False, autoSeek=True):
        with self._tails_lock:
            if path in self._tails:
                if hasattr(self, "_reload_logs") and path in self._reload_logs:
                    del self._reload_logs[path]
                else:
                    log.error("%s already exists", path)
                return
            t = LogTail(path, tail=tail, maxlinesize=self.maxlinesize, stats=self.stats)
            db = self.jail.database if self.jail is not None else None
            if db is not None and not tail:
                t.resume(db, self.jail)
            self._tails[path] = t
            self._watch_dirty = True
        log.info("Added logfile: %r (pos = %s, hash = %s, %s)", path, t.pos, t.hash,
                 "named pipe" if t.fifo else "file")
        self._wake()
    def delLogPath(self, path):
        with self._tails_lock:
            t = self._tails.pop(path, None)
            self._watch_dirty = True
        if t is not None:
            if self.jail is not None and self.jail.database is not None and not t.fifo:
                self.jail.database.updateLog(self.jail, t)
            t.close()
            log.info("Removed logfile: %r", path)

    def getLogPaths(self):
        return list(self._tails.keys())

    def getLogs(self):
        return list(self._tails.values())

    def getLogCount(self):
        return len(self._tails)

    def containsLogPath(self, path):
        return path in self._tails

    def getLog(self, path):
        return self._tails.get(path)

    def setLogEncoding(self, encoding):
        self._anchor_due = 0.0
        return Filter.setLogEncoding(self, encoding)

    def getFailures(self, filename, inOperation=None):
        t = self._tails.get(filename)
        if t is None:
            return False
        self._read_tail(t)
        return True

    def status(self, flavor="basic"):
        ret = Filter.status(self, flavor=flavor)
        ret.append(("File list", self.getLogPaths()))
        ret.extend(self.stats_status())
        return ret

    def onStop(self):
        if self._pendDBUpdates and self.jail.database:
            self._updateDBPending()
        for path in list(self._tails):
            self.delLogPath(path)

    def stop(self):
        super(F2btuneFileFilter, self).stop()
        self._wake()

    def _wake(self):
        try:
            os.write(self._wake_w, b"x")
        except OSError:
            pass

    # -- the loop (see loop.ReadLoop) -----------------------------------------------------
    def _loop_start(self):
        self._wm = pyinotify.WatchManager()
        self._ifd = self._wm.get_fd()
        os.set_blocking(self._ifd, False)          # drained with os.read after poll()

    def _loop_end(self):
        try:
            if self._wm is not None:
                self._wm.close()
        except Exception:
            pass

    def _read_available(self):
        for t in list(self._tails.values()):
            self._read_tail(t)
        self._sync_inodes()
        return False

    def _idle_service_s(self):
        # a path without a directory watch is checked for rotation on the service step
        if any(not t.watched and t.fifo is None for t in self._tails.values()):
            return 1.0
        return ReadLoop._idle_service_s(self)

    def _wait(self, timeout):
        events = self._watched_poller().poll(timeout * 1000.0)
        for fd, _ in events:
            if fd == self._ifd:
                self._inotify_events()
            elif fd == self._wake_r:
                self._drain(fd)
        return bool(events)

    def _watched_poller(self):
        """The poller, after the watches follow the paths again if they changed."""
        if self._watch_dirty or self._poller is None:
            self._poller = self._sync_watches(self._ifd)
        return self._poller

    def _inotify_events(self):
        """Read the pending inotify events (raw, no event objects).  A file only ever reports
        IN_MODIFY; anything else (a directory event, a removed watch, a queue overflow) makes
        every path check for rotation at its next read."""
        changed = False
        try:
            while True:
                buf = os.read(self._ifd, 65536)
                off, end = 0, len(buf)
                while off + 16 <= end:
                    _wd, mask, _cookie, n = _EVENT.unpack_from(buf, off)
                    off += 16 + n
                    if mask != _IN_MODIFY:
                        changed = True
                if end < 65536 - 4096:
                    break
        except (BlockingIOError, InterruptedError):
            pass
        if changed:
            for t in list(self._tails.values()):
                t.check_soon()

    def _read_tail(self, t):
        """Every bounded batch the path has now; the bans of each come before the next."""
        while self.active:
            lines, n = t.read()
            if lines or n:
                self.inOperation = t.inOperation
                self.process_raw_lines(lines, n)
                if not t.fifo:
                    self._pendDBUpdates[t] = 1
            if not t.more:
                if not t.inOperation and t.fd is not None:
                    t.inOperation = True      # reached the end once: new lines from here on
                break

    @staticmethod
    def _drain(fd):
        try:
            while len(os.read(fd, 65536)) == 65536:
                pass
        except (BlockingIOError, InterruptedError):
            pass

    def _sync_watches(self, ifd):
        """(Re)add inotify watches for every path, its directory and new inodes."""
        self._watch_dirty = False
        wm = self._wm
        mask_file = pyinotify.IN_MODIFY
        mask_dir = pyinotify.IN_CREATE | pyinotify.IN_MOVED_TO | pyinotify.IN_MOVED_FROM | pyinotify.IN_DELETE
        tails = dict(self._tails)
        for path in list(self._watches):
            if path not in tails:
                self._rm_watch(self._watches.pop(path)[0])
        dirs = set()
        for path, t in tails.items():
            d = os.path.dirname(path) or "."
            dirs.add(d)
            if t.fifo:
                continue
            w = self._watches.get(path)
            if w is not None and w[1] == t.ino:
                continue
            if w is not None:
                self._rm_watch(w[0])
                del self._watches[path]
            if t.fd is not None:
                wd = wm.add_watch(path, mask_file, quiet=True).get(path, -1)
                if wd >= 0:
                    self._watches[path] = (wd, t.ino)
        for d in list(self._dir_watches):
            if d not in dirs:
                self._rm_watch(self._dir_watches.pop(d))
        for d in dirs:
            if d not in self._dir_watches and os.path.isdir(d):
                wd = wm.add_watch(d, mask_dir, quiet=True).get(d, -1)
                if wd >= 0:
                    self._dir_watches[d] = wd
        for path, t in tails.items():
            # a watched directory reports rotation: the tail checks only when told (or idle)
            t.watched = (os.path.dirname(path) or ".") in self._dir_watches
        poller = select.poll()
        poller.register(ifd, select.POLLIN)
        poller.register(self._wake_r, select.POLLIN)
        for t in tails.values():
            if t.fifo and t.fd is not None:
                t.fifo.reopened = False
                poller.register(t.fd, select.POLLIN)
        return poller

    def _sync_inodes(self):
        """Watches follow new inodes; a reopened named pipe is polled on its new descriptor."""
        for path, t in list(self._tails.items()):
            w = self._watches.get(path)
            if t.fifo.reopened if t.fifo else (w is None or w[1] != t.ino):
                self._watch_dirty = True
                return

    def _rm_watch(self, wd):
        try:
            self._wm.rm_watch(wd, quiet=True)
        except Exception:
            pass
