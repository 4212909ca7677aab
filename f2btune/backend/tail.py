"""One monitored log path: a regular file (with a position) or a named pipe (a stream).

A regular file stays open between batches; each batch ``pread``s from the position to the
end in large chunks and splits on newlines.  The position always sits at the start of the
first incomplete line, so a partial last line is read again, whole, next time.

Rotation and friends, checked on every batch with one ``stat`` and one small ``pread``:

- *moved or deleted* (logrotate ``create``, delete + recreate): the path names another inode.
  The old file is still open, so it is read to its very end first (a final line without a
  newline counts: nobody writes it any more), then the new file is read from 0;
- *truncated* (``copytruncate``, ``: > file``): the size shrank below the position, or the
  first line changed.  The lines between the position and the copy's end are read from the
  rotated copy (``NAME.1``, ``NAME-DATE``: uncompressed, same first line) when one exists,
  then the file is read from 0;
- *restart*: fail2ban's database keeps (path, first-line MD5, position) per jail, as for the
  stock backends.  A file with the stored first line resumes at the stored position; when
  it was rotated while the server was down, the rotated copy is found by its first line and
  read from the stored position first.

Over-long lines (``maxlinesize``) are skipped and counted without being held in memory.
"""
import errno
import hashlib
import logging
import os
import stat

log = logging.getLogger("fail2ban.f2btune")

CHUNK = 1 << 18              # bytes per read
BATCH_BYTES = 1 << 17        # hand a batch over after this much (~500 lines), then read on
FIRSTLINE_MAX = 1 << 16
ROTATED_SKIP = (".gz", ".bz2", ".xz", ".zst", ".lz4", ".Z")


def md5_hex(data):
    try:
        return hashlib.md5(data).hexdigest()
    except ValueError:  # pragma: no cover - FIPS: fail2ban falls back to sha1 too
        return hashlib.sha1(data).hexdigest()


def read_first_line(fd):
    """The first line with its newline (bytes), or b'' while it is incomplete."""
    data = os.pread(fd, 4096, 0)
    nl = data.find(b"\n")
    if nl < 0 and len(data) == 4096:
        data = os.pread(fd, FIRSTLINE_MAX, 0)
        nl = data.find(b"\n")
    return data[:nl + 1] if nl >= 0 else b""


class LogTail(object):
    """A monitored path; quacks like fail2ban's FileContainer where the database needs it."""

    def __init__(self, path, tail=False, maxlinesize=1 << 16, stats=None):
        self.path = path
        self.maxlinesize = maxlinesize
        self.chunk = max(CHUNK, 4 * maxlinesize)
        self.stats = stats if stats is not None else {}
        self.fd = None
        self.ino = self.dev = None
        self.pos = 0
        self.first = b""
        self.hash = ""
        self.fifo = False
        self.buf = b""               # FIFO: bytes after the last newline
        self.skipping = False        # inside an over-long line
        self.tail = tail
        self.inOperation = tail
        self.rotations = 0
        self.recovered = 0
        try:
            st = os.stat(path)
        except OSError:
            st = None
        if st is not None and stat.S_ISFIFO(st.st_mode):
            self.fifo = True
            self._open_fifo()
        elif st is not None:
            self._open(st, seek_end=tail)

    # -- what fail2ban's database calls ----------------------------------------------------
    def getFileName(self):
        return self.path

    def getPos(self):
        return self.pos

    def setPos(self, value):
        self.pos = value

    def getHash(self):
        return self.hash

    def __repr__(self):
        return "f2btune-log:" + self.path

    # -- opening ---------------------------------------------------------------------------
    def _open(self, st=None, seek_end=False):
        fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
        fst = os.fstat(fd)
        if stat.S_ISFIFO(fst.st_mode):
            os.close(fd)
            self.fifo = True
            self._open_fifo()
            return
        self.fd = fd
        self.ino, self.dev = fst.st_ino, fst.st_dev
        self.first = read_first_line(fd)
        self.hash = md5_hex(self.first) if self.first else ""
        self.pos = fst.st_size if seek_end else 0

    def _open_fifo(self):
        # O_RDWR keeps a writer open ourselves: no EOF/HUP storm when syslog restarts
        self.fd = os.open(self.path, os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
        self.inOperation = True

    def resume(self, db, jail):
        """Apply the database position (fail2ban's ``logs`` table); returns extra lines."""
        if self.fifo or db is None:
            return []
        stored = db.addLog(jail, _Probe(self.path, None))      # position, whatever the hash
        if stored is None or self.fd is None:
            db.addLog(jail, self)
            return []
        same = db.addLog(jail, self)
        size = os.fstat(self.fd).st_size
        if same is not None and same <= size:
            self.pos = same
            return []
        # the file changed while we were down: the stored position belongs to a rotated copy
        out = []
        self._recover_rotated(out, stored, lambda h: db.addLog(jail, _Probe(self.path, h)) is not None)
        self.pos = 0
        return out

    def close(self):
        if self.fd is not None:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = None

    # -- reading ---------------------------------------------------------------------------
    def read(self):
        """New complete lines as bytes (no newline) and the byte count; ([], 0) if none.

        Returns after about BATCH_BYTES so that a backlog is processed in bounded batches;
        ``self.more`` tells the caller to call again at once.
        """
        self.more = False
        out = []
        if self.fifo:
            n = self._read_fifo(out)
            return out, n
        try:
            st = os.stat(self.path)
        except OSError:
            st = None
        n = 0
        if self.fd is not None:
            if st is None or st.st_ino != self.ino or st.st_dev != self.dev:
                # moved away or deleted: finish the old file, the last line included
                n += self._read_fd(out, final=True, limit=None)
                self.close()
                self.rotations += 1
                log.info("f2btune: %s rotated (%s), read old file to its end",
                         self.path, "deleted or moved" if st is None else "new inode")
                if st is None:
                    return out, n
            else:
                size = os.fstat(self.fd).st_size
                if size < self.pos or (self.first and os.pread(self.fd, len(self.first), 0) != self.first):
                    self.rotations += 1
                    log.info("f2btune: %s truncated (size %d < position %d or new first line)",
                             self.path, size, self.pos)
                    self._recover_rotated(out, self.pos, lambda h: h == self.hash)
                    n += sum(len(x) + 1 for x in out)
                    self.pos = 0
                    self.first, self.hash = b"", ""
                elif not self.first and size:
                    self._update_first()
        if self.fd is None:
            if st is None:
                return out, n
            try:
                self._open(st)
            except OSError as e:
                if e.errno in (errno.ENOENT, errno.EACCES):
                    return out, n
                raise
            if self.fifo:
                n += self._read_fifo(out)
                return out, n
        n += self._read_fd(out, final=False, limit=BATCH_BYTES)
        if not self.first and self.pos:
            self._update_first()
        return out, n

    def _update_first(self):
        self.first = read_first_line(self.fd)
        self.hash = md5_hex(self.first) if self.first else ""

    def _split(self, data, out):
        """Append complete lines of ``data`` to out; return the unterminated tail."""
        if self.skipping:
            nl = data.find(b"\n")
            if nl < 0:
                return None
            data = data[nl + 1:]
            self.skipping = False
        lines = data.split(b"\n")
        last = lines.pop()
        if lines:
            if max(map(len, lines)) > self.maxlinesize:
                keep = [x for x in lines if len(x) <= self.maxlinesize]
                self.stats["oversize_lines"] = self.stats.get("oversize_lines", 0) + len(lines) - len(keep)
                lines = keep
            out.extend(lines)
        if len(last) > self.maxlinesize:
            self.stats["oversize_lines"] = self.stats.get("oversize_lines", 0) + 1
            self.skipping = True
            return b""
        return last

    def _read_fd(self, out, final, limit):
        """Read from self.pos to the end of the open file; returns bytes consumed."""
        fd, total = self.fd, 0
        while True:
            data = os.pread(fd, self.chunk, self.pos)
            if not data:
                break
            last = self._split(data, out)
            if last is None or self.skipping:    # inside an over-long line: drop it all
                consumed = len(data)
            else:
                consumed = len(data) - len(last)
            self.pos += consumed
            total += consumed
            if len(data) < self.chunk:
                if final and last:
                    out.append(last)
                    self.pos += len(last)
                    total += len(last)
                break
            if limit is not None and total >= limit:
                self.more = True
                break
        return total

    def _read_fifo(self, out):
        total = 0
        while True:
            try:
                data = os.read(self.fd, self.chunk)
            except BlockingIOError:
                break
            except OSError as e:
                if e.errno == errno.EINTR:
                    continue
                raise
            if not data:
                break
            total += len(data)
            if self.buf:
                data = self.buf + data
            last = self._split(data, out)
            self.buf = last or b""
            if total >= BATCH_BYTES:
                self.more = True
                break
        return total

    def _recover_rotated(self, out, pos, matches):
        """Read the rotated copy of this file from ``pos`` to its end (copytruncate, restart)."""
        d, base = os.path.split(self.path)
        try:
            names = os.listdir(d or ".")
        except OSError:
            return
        best = None
        for name in names:
            if not name.startswith(base) or len(name) == len(base) or name[len(base)] not in ".-_":
                continue
            if name.endswith(ROTATED_SKIP):
                continue
            p = os.path.join(d, name)
            try:
                fd = os.open(p, os.O_RDONLY | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                st = os.fstat(fd)
                if not stat.S_ISREG(st.st_mode) or st.st_size < pos:
                    continue
                first = read_first_line(fd)
                if first and matches(md5_hex(first)) and (best is None or st.st_mtime > best[0]):
                    best = (st.st_mtime, p)
            finally:
                os.close(fd)
        if best is None:
            return
        p = best[1]
        fd = os.open(p, os.O_RDONLY | os.O_CLOEXEC)
        saved = (self.fd, self.pos, self.skipping)
        try:
            self.fd, self.pos, self.skipping = fd, pos, False
            before = len(out)
            self._read_fd(out, final=True, limit=None)
            self.recovered += len(out) - before
            log.info("f2btune: read %d line(s) of %s from its rotated copy %s",
                     len(out) - before, self.path, p)
        finally:
            os.close(fd)
            self.fd, self.pos, self.skipping = saved


class _Probe(object):
    """Asks fail2ban's database for a stored position (hash None: any; else: this hash)."""

    def __init__(self, path, h):
        self.path, self.h = path, h

    def getFileName(self):
        return self.path

    def getPos(self):
        return 0

    def getHash(self):
        return self.h
