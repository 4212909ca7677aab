"""A named pipe, read as a stream of lines.

It is opened read-only and non-blocking.  When the last writer goes away (syslog restarts,
a writer dies) the pipe reports end-of-file: a line the writer left unfinished is dropped
and counted (``fifo_partial_dropped``), never glued to the next writer's first line, and
the pipe is opened again (a fresh descriptor reports no hang-up until a writer comes and
goes, so there is no end-of-file storm).  Writers that overlap in time cannot be told
apart: a line written with one ``write()`` of up to PIPE_BUF (4096) bytes is never split.
"""
import errno
import logging
import os

from f2btune.backend.chunks import BATCH_BYTES, bump, close_fd, split

log = logging.getLogger("fail2ban.f2btune")


class FifoReader(object):
    __slots__ = ("path", "fd", "buf", "skipping", "maxlinesize", "stats", "reopened")

    def __init__(self, path, maxlinesize, stats):
        self.path, self.maxlinesize, self.stats = path, maxlinesize, stats
        self.buf, self.skipping, self.reopened = b"", False, False
        self.fd = self._open()

    def _open(self):
        return os.open(self.path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)

    def _writers_gone(self):
        if self.buf or self.skipping:
            bump(self.stats, "fifo_partial_dropped")
            log.warning("f2btune: %s: the writer went away in the middle of a line; "
                        "%d byte(s) dropped", self.path, len(self.buf))
        self.buf, self.skipping = b"", False
        try:
            fd = self._open()           # the new descriptor first: a reader is always there
        except OSError as e:
            log.error("f2btune: reopening named pipe %s failed: %s", self.path, e)
            return
        self.close()
        self.fd, self.reopened = fd, True

    def read(self, out, chunk):
        """Append complete lines to ``out``; returns (bytes read, more waiting)."""
        total = 0
        while True:
            try:
                data = os.read(self.fd, chunk)
            except BlockingIOError:
                return total, False
            except OSError as e:
                if e.errno == errno.EINTR:
                    continue
                raise
            if not data:
                self._writers_gone()
                return total, False
            total += len(data)
            last = split(self.buf + data if self.buf else data, out, self, self.maxlinesize, self.stats)
            self.buf = last or b""
            if total >= BATCH_BYTES:
                return total, True

    def close(self):
        self.fd = close_fd(self.fd)
