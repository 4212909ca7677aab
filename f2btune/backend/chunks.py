"""Complete lines out of a byte stream, in bounded pieces, without holding over-long lines."""
import os

BATCH_BYTES = 1 << 17        # one read: a batch is at most this much (or 2 x maxlinesize)


class Source(object):
    """An open regular file read from ``pos`` (the monitored file, or a rotated copy / a
    moved-away file still to be read to its end: ``final``, its last line counts)."""
    __slots__ = ("fd", "pos", "skipping", "final", "name")

    def __init__(self, fd, pos, final=False, name=""):
        self.fd, self.pos, self.skipping, self.final, self.name = fd, pos, False, final, name

    def close(self):
        self.fd = close_fd(self.fd)


def close_fd(fd):
    """Close ``fd`` if open; returns None (the closed state)."""
    if fd is not None:
        try:
            os.close(fd)
        except OSError:
            pass


def bump(stats, key, n=1):
    stats[key] = stats.get(key, 0) + n


def split(data, out, src, maxlinesize, stats):
    """Append the complete lines of ``data`` to ``out``; return the unterminated tail.

    ``src.skipping``: inside an over-long line (dropped up to its newline, and counted).
    Returns None while the whole of ``data`` belongs to such a line.
    """
    if src.skipping:
        nl = data.find(b"\n")
        if nl < 0:
            return None
        data = data[nl + 1:]
        src.skipping = False
    lines = data.split(b"\n")
    last = lines.pop()
    if lines:
        if max(map(len, lines)) > maxlinesize:
            keep = [x for x in lines if len(x) <= maxlinesize]
            bump(stats, "oversize_lines", len(lines) - len(keep))
            lines = keep
        out.extend(lines)
    if len(last) > maxlinesize:
        bump(stats, "oversize_lines")
        src.skipping = True
        return b""
    return last


def read_source(src, out, chunk, maxlinesize, stats):
    """Read the lines of one ``chunk`` of ``src`` from its position.

    Returns (bytes consumed, at end of file).  The position stays at the start of the
    first incomplete line, except for a ``final`` source at its end (its last line counts).
    A full chunk always consumes something (``chunk`` > ``maxlinesize``: a chunk without a
    newline is part of an over-long line, dropped).
    """
    data = os.pread(src.fd, chunk, src.pos)
    if not data:
        return 0, True
    last = split(data, out, src, maxlinesize, stats)
    consumed = len(data) if last is None or src.skipping else len(data) - len(last)
    src.pos += consumed
    if len(data) < chunk:
        if src.final and last:
            out.append(last)
            src.pos += len(last)
            consumed += len(last)
        return consumed, True
    return consumed, False
