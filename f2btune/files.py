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
