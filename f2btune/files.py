"""Input files: f2btune reads logs and configs from regular files only.

A named pipe or a device given where a file is expected could block a reader forever (a FIFO
with no writer), never end (/dev/zero, /dev/urandom) or act on a device when opened; they are
recognised with ``stat`` before anything opens them.
"""
import os
import stat

from f2btune.errors import InputError

_KINDS = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a directory"))


def not_regular(path):
    """Why ``path`` is not a regular file ('a named pipe', 'No such file or directory', ...), or
    None for a regular file.  Never opens ``path``."""
    try:
        mode = os.stat(path).st_mode
    except OSError as e:
        return e.strerror or str(e)
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def require_regular(path, what="log"):
    """Raise InputError (one line, saying what to do) unless ``path`` is a regular file."""
    why = not_regular(path)
    if why is None:
        return path
    if not os.path.exists(path):
        raise InputError("%s not found: %s" % (what, path))
    raise InputError("%s %s is %s: f2btune reads regular files only (save it to a file first, e.g. "
                     "timeout 60 cat %s > %s.txt)" % (what, path, why, path, os.path.basename(path)))


SNIFF = 64 * 1024  # bytes read from the head of a log to tell text from binary data
_TEXT_CONTROLS = (9, 10, 12, 13, 27)  # tab, newline, form feed, carriage return, escape


def looks_binary(head):
    """True for data that is not a text log (executables, images, archives, random bytes).

    A few NUL bytes (a log cut short by a crash) are tolerated; a head that is mostly NUL, or
    with more than one byte in 20 a control character or not UTF-8, is not a log."""
    stripped = head.replace(b"\0", b"")
    if not stripped.strip() or head.count(b"\0") > len(head) // 4:
        return True
    control = sum(1 for b in stripped if b < 32 and b not in _TEXT_CONTROLS)
    undecodable = stripped.decode("utf-8", "replace").count("\ufffd")
    return max(control, undecodable) > len(stripped) // 20


def require_text_log(path, what="log"):
    """Raise InputError (one line) unless ``path`` is a regular, readable, non-empty,
    uncompressed text file; returns ``path``.  Reads at most its first SNIFF bytes."""
    require_regular(path, what)
    try:
        with open(path, "rb") as f:
            head = f.read(SNIFF)
    except OSError as e:
        raise InputError("cannot read %s: %s" % (path, e.strerror or e))
    if not head:
        raise InputError("%s is empty: %s" % (what, path))
    if head[:2] == b"\x1f\x8b":
        raise InputError("%s is gzip-compressed, decompress it first: %s" % (what, path))
    if looks_binary(head):
        raise InputError("%s looks binary (not a text log): %s" % (what, path))
    return path
