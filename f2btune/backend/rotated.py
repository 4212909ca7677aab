"""A file's identity (its first line) and the rotated copy that holds its unread lines."""
import hashlib
import os
import stat

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


def find_rotated_copy(path, pos, matches):
    """The newest uncompressed ``NAME.1``/``NAME-DATE``/``NAME_x`` of ``path`` at least
    ``pos`` long whose first line's digest satisfies ``matches``; None if there is none."""
    d, base = os.path.split(path)
    try:
        names = os.listdir(d or ".")
    except OSError:
        return None
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
    return best[1] if best else None


class Probe(object):
    """Asks fail2ban's database for a stored position (hash None: any; else: this hash)."""

    def __init__(self, path, h):
        self.path, self.h = path, h

    def getFileName(self):
        return self.path

    def getPos(self):
        return 0

    def getHash(self):
        return self.h
