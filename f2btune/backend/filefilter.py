"""Backend ``f2btune``: log files and named pipes, woken by inotify (pyinotify's WatchManager).

The loop sleeps in ``poll()`` on the inotify descriptor (file modified, file or directory
created/moved/deleted), on every named pipe and on a stop pipe; it also wakes every
``sleeptime`` to look for files that appeared or rotated without an event.  Under a flood,
wake-ups closer together than ``maxdelay`` are merged: the next batch starts at most
``maxdelay`` after the previous one, so a ban is never delayed by more than that (plus the
batch's own processing), and a quiet log is read at once.
"""
import logging
import os
import select
import threading
import time

from fail2ban.server.filter import FileFilter, Filter

from f2btune.backend.core import BatchCore
from f2btune.backend.tail import LogTail

log = logging.getLogger("fail2ban.f2btune")

try:
    import pyinotify
except ImportError:  # pragma: no cover - reported by the registration
    pyinotify = None

DB_UPDATE_S = 5.0


class F2btuneFileFilter(BatchCore, FileFilter):
    """fail2ban FileFilter API (addlogpath, logencoding, status, database positions)."""

    def __init__(self, jail, **kwargs):
        if pyinotify is None:
            raise RuntimeError("backend f2btune needs pyinotify (apt-get install python3-pyinotify)")
        opts = dict(kwargs)
        self._core_init(opts)
        if opts:
            raise ValueError("unknown option(s) for backend f2btune: %s (known: %s)"
                             % (", ".join(sorted(opts)), ", ".join(self.CORE_OPTIONS)))
        FileFilter.__init__(self, jail)
        self._tails = {}
        self._tails_lock = threading.Lock()
        self._backlog = []
        self._watch_dirty = True
        self._wm = None
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
                extra = t.resume(db, self.jail)
                if extra:
                    self._backlog.append((t, extra))
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

    # -- the loop ------------------------------------------------------------------------
    def run(self):
        prof_path = os.environ.get("F2BTUNE_CPROFILE")
        if not prof_path:
            return self._run()
        # profiling aid: F2BTUNE_CPROFILE=FILE writes cProfile stats of this thread at stop
        import cProfile
        prof = cProfile.Profile(time.thread_time)      # CPU, not wall time
        try:
            return prof.runcall(self._run)
        finally:
            prof.dump_stats("%s.%s" % (prof_path, self.jailName))

    def _run(self):
        self._wm = pyinotify.WatchManager()
        ifd = self._wm.get_fd()
        os.set_blocking(ifd, False)          # drained with os.read after poll()
        poller = None
        registered = set()
        last_batch = 0.0
        next_full = 0.0
        log.debug("[%s] filter started (f2btune)", self.jailName)
        self.warm_up()
        while self.active:
            try:
                if self.idle:
                    time.sleep(min(self.sleeptime, 0.5))
                    continue
                if self._watch_dirty or poller is None:
                    poller, registered = self._sync_watches(ifd)
                now = time.monotonic()
                timeout = max(0.0, next_full - now)
                events = poller.poll(timeout * 1000.0)
                if not self.active:
                    break
                if events and self.maxdelay:
                    delay = last_batch + self.maxdelay - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                self._drain(ifd)
                self._drain(self._wake_r)
                self._process_backlog()
                for t in list(self._tails.values()):
                    self._read_tail(t)
                last_batch = time.monotonic()
                self._sync_inodes()
                if last_batch >= next_full:
                    next_full = last_batch + min(self.sleeptime, 1.0)
                    self.performSvc()
                self.ticks += 1
                self._flush_db_positions(DB_UPDATE_S)
            except Exception as e:  # pragma: no cover - keep the jail alive, as stock does
                if not self.active:
                    break
                self._loop_error("f2btune backend", e)
        log.debug("[%s] filter exited (f2btune)", self.jailName)
        try:
            if self._wm is not None:
                self._wm.close()
        except Exception:
            pass
        return True

    def _read_tail(self, t):
        while True:
            lines, n = t.read()
            if lines or n:
                self.inOperation = t.inOperation
                self.process_raw_lines(lines, n)
                if not t.fifo:
                    self._pendDBUpdates[t] = 1
            if not getattr(t, "more", False):
                if not t.inOperation and t.fd is not None:
                    t.inOperation = True      # reached the end once: new lines from here on
                break
            if not self.active:
                break

    def _process_backlog(self):
        while self._backlog:
            t, lines = self._backlog.pop(0)
            self.inOperation = False
            self.process_raw_lines(lines, sum(len(x) + 1 for x in lines))

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
        poller = select.poll()
        poller.register(ifd, select.POLLIN)
        poller.register(self._wake_r, select.POLLIN)
        registered = {ifd, self._wake_r}
        for t in tails.values():
            if t.fifo and t.fd is not None:
                poller.register(t.fd, select.POLLIN)
                registered.add(t.fd)
        return poller, registered

    def _sync_inodes(self):
        for path, t in list(self._tails.items()):
            w = self._watches.get(path)
            if not t.fifo and (w is None or w[1] != t.ino):
                self._watch_dirty = True
                return

    def _rm_watch(self, wd):
        try:
            self._wm.rm_watch(wd, quiet=True)
        except Exception:
            pass
