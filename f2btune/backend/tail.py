"""One monitored log path: a regular file (with a position) or a named pipe (see :mod:`.fifo`).

A regular file stays open between batches; each batch ``pread``s from the position in
bounded pieces (about ``BATCH_BYTES``) and splits on newlines.  The position always sits at
the start of the first incomplete line, so a partial last line is read again, whole, next
time.  Every read path is bounded the same way (live tail, a rotated copy, a moved-away
file, the resume after a restart): ``more`` tells the caller to process the batch and call
again, so bans come after every batch and memory does not grow with the backlog.

Rotation and friends: truncation in place is checked on every read (one ``fstat``, one small
``pread``: no directory event tells of it); a new inode at the path (one ``stat``) on every
read, or, when the caller watches the directory (``watched``), only when a read finds nothing
new, when the directory changed (``check_soon``) and at least every ``CHECK_EVERY_S``:

- *moved or deleted* (logrotate ``create``, delete + recreate): the path names another inode.
  The old file is still open: it is queued to be read to its very end first (a final line
  without a newline counts: nobody writes it any more), then the new file is read from 0;
- *truncated* (``copytruncate``, ``: > file``): the size shrank below the position, or the
  first line changed.  The lines between the position and the copy's end are queued from
  the rotated copy (``NAME.1``, ``NAME-DATE``: uncompressed, same first line) when one
  exists, then the file is read from 0;
- *restart*: fail2ban's database keeps (path, first-line MD5, position) per jail, as for the
  stock backends.  A file with the stored first line resumes at the stored position; when
  it was rotated while the server was down, the rotated copy is found by its first line and
  queued from the stored position.
"""
import errno
import logging
import os
import stat
import time

from f2btune.backend.chunks import BATCH_BYTES, Source, read_source
from f2btune.backend.fifo import FifoReader
from f2btune.backend.rotated import Probe, find_rotated_copy, md5_hex, read_first_line

log = logging.getLogger("fail2ban.f2btune")

CHECK_EVERY_S = 1.0          # rotation check at least this often while lines keep coming


class LogTail(object):
    """A monitored path; quacks like fail2ban's FileContainer where the database needs it."""

    def __init__(self, path, tail=False, maxlinesize=1 << 16, stats=None):
        self.path = path
        self.maxlinesize = maxlinesize
        self.chunk = max(BATCH_BYTES, 2 * maxlinesize)
        self.stats = stats if stats is not None else {}
        self.src = None              # the open file (a chunks.Source)
        self.queue = []              # Sources to read to their end before it
        self.ino = self.dev = None
        self.first = b""
        self.hash = ""
        self.fifo = None
        self.more = False
        self.inOperation = tail
        self.rotations = 0
        self.recovered = 0
        self.next_check = 0.0        # monotonic time of the next rotation check
        self.watched = False         # True: the caller reports directory changes (check_soon)
        try:
            st = os.stat(path)
        except OSError:
            st = None
        if st is not None and stat.S_ISFIFO(st.st_mode):
            self._open_fifo()
        elif st is not None:
            self._open(seek_end=tail)

    # -- what fail2ban's database calls ----------------------------------------------------
    def getFileName(self):
        return self.path

    def getPos(self):
        return self.src.pos if self.src is not None else 0

    def setPos(self, value):
        if self.src is not None:
            self.src.pos = value

    def getHash(self):
        return self.hash

    def __repr__(self):
        return "f2btune-log:" + self.path

    pos = property(getPos, setPos)

    @property
    def fd(self):
        if self.fifo is not None:
            return self.fifo.fd
        return self.src.fd if self.src is not None else None

    # -- opening ---------------------------------------------------------------------------
    def _open(self, seek_end=False):
        fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
        fst = os.fstat(fd)
        if stat.S_ISFIFO(fst.st_mode):
            os.close(fd)
            self._open_fifo()
            return
        self.src = Source(fd, fst.st_size if seek_end else 0, name=self.path)
        self.ino, self.dev = fst.st_ino, fst.st_dev
        self._update_first()

    def _open_fifo(self):
        self.fifo = FifoReader(self.path, self.maxlinesize, self.stats)
        self.inOperation = True

    def _update_first(self):
        self.first = read_first_line(self.src.fd)
        self.hash = md5_hex(self.first) if self.first else ""

    def resume(self, db, jail):
        """Apply the database position (fail2ban's ``logs`` table)."""
        if self.fifo is not None or db is None:
            return
        stored = db.addLog(jail, Probe(self.path, None))      # position, whatever the hash
        if stored is None or self.src is None:
            db.addLog(jail, self)
            return
        same = db.addLog(jail, self)
        if same is not None and same <= os.fstat(self.src.fd).st_size:
            self.pos = same
            return
        # the file changed while we were down: the stored position belongs to a rotated copy
        self._queue_rotated(stored, lambda h: db.addLog(jail, Probe(self.path, h)) is not None)
        self.pos = 0

    def close(self):
        for s in self.queue:
            s.close()
        self.queue = []
        if self.src is not None:
            self.src.close()
            self.src = None
        if self.fifo is not None:
            self.fifo.close()

    # -- reading ---------------------------------------------------------------------------
    def check_soon(self):
        """The directory changed (a file created, moved or deleted): check at the next read."""
        self.next_check = 0.0

    def read(self):
        """New complete lines as bytes (no newline) and the byte count; ([], 0) if none.

        Returns after one read (BATCH_BYTES, or 2 x maxlinesize); ``self.more`` tells the
        caller to call again at once.
        """
        out = []
        if self.fifo is not None:
            n, self.more = self.fifo.read(out, self.chunk)
            return out, n
        checked = not self.watched or time.monotonic() >= self.next_check
        if checked:
            self._check_now()
        elif self.src is not None:
            self._check_truncation()      # in place: no directory event tells
        while True:
            if self.queue:                # a rotated copy or a moved-away file comes first
                s = self.queue[0]
                n, eof = read_source(s, out, self.chunk, self.maxlinesize, self.stats)
                if eof:
                    s.close()
                    self.queue.pop(0)
                self.more = True
                return out, n
            if self.src is None:
                self.more = False
                return out, 0
            n, eof = read_source(self.src, out, self.chunk, self.maxlinesize, self.stats)
            if n or checked:
                break
            self._check_now()             # nothing new: rotated or truncated?
            checked = True
        self.more = not eof
        if not self.first and self.src.pos:
            self._update_first()
        return out, n

    def _check_now(self):
        self.next_check = time.monotonic() + CHECK_EVERY_S
        self._check_rotation()

    def _check_rotation(self):
        try:
            st = os.stat(self.path)
        except OSError:
            st = None
        if self.src is not None:
            if st is None or st.st_ino != self.ino or st.st_dev != self.dev:
                # moved away or deleted: finish the old file, the last line included
                self.src.final = True
                self.queue.append(self.src)
                self.src = None
                self.rotations += 1
                log.info("f2btune: %s rotated (%s), reading the old file to its end",
                         self.path, "deleted or moved" if st is None else "new inode")
            else:
                self._check_truncation()
        if self.src is None and st is not None:
            try:
                self._open()
            except OSError as e:
                if e.errno not in (errno.ENOENT, errno.EACCES):
                    raise

    def _check_truncation(self):
        src = self.src
        size = os.fstat(src.fd).st_size
        if size < src.pos or (self.first and os.pread(src.fd, len(self.first), 0) != self.first):
            self.rotations += 1
            log.info("f2btune: %s truncated (size %d < position %d or new first line)",
                     self.path, size, src.pos)
            h = self.hash
            self._queue_rotated(src.pos, lambda x: x == h)
            src.pos, src.skipping = 0, False
            self.first, self.hash = b"", ""
        elif not self.first and size:
            self._update_first()

    def _queue_rotated(self, pos, matches):
        """Queue the rotated copy of this file from ``pos`` to its end (copytruncate, restart)."""
        p = find_rotated_copy(self.path, pos, matches)
        if p is None:
            return
        try:
            fd = os.open(p, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            return
        self.queue.append(Source(fd, pos, final=True, name=p))
        self.recovered += 1
        log.info("f2btune: reading the rest of %s from its rotated copy %s (from byte %d)",
                 self.path, p, pos)
