"""The Python interpreters f2btune runs things under (``--python`` of server, replay, bench, install).

One place finds an interpreter by name or path and proves it runs Python 3.9 or later, so a
``--python`` that is missing, not executable or not a Python (perl, /bin/false) is one runtime
error naming it, whichever command was given it.
"""
import os
import re
import shutil
import subprocess

from f2btune.errors import DependencyError

MIN_VERSION = (3, 9)
_VERSION = "import sys; print('%d.%d' % sys.version_info[:2])"
_working = {}   # path -> "3.11": interpreters already proven in this process


def find(exe, path=None):
    """Absolute path of ``exe`` (a name searched on ``path``/PATH, or a path); DependencyError if none."""
    if not exe:
        raise DependencyError("--python needs an interpreter name or path")
    found = exe if os.sep in exe else shutil.which(exe, path=path)
    if not found or not os.path.isfile(found):
        raise DependencyError("python interpreter not found: %s" % exe)
    if not os.access(found, os.X_OK):
        raise DependencyError("python interpreter is not executable: %s" % exe)
    return os.path.abspath(found)


def version_of(argv, name):
    """'X.Y' printed by the interpreter started as ``argv``; DependencyError naming ``name`` if it is
    not a working Python 3.9+."""
    try:
        p = subprocess.run(list(argv) + ["-c", _VERSION], capture_output=True, text=True, timeout=120,
                           stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as e:
        raise DependencyError("%s is not a working Python interpreter: %s" % (name, e))
    out = p.stdout.strip()
    if p.returncode != 0 or not re.match(r"^\d+\.\d+$", out):
        err = [line.strip() for line in p.stderr.splitlines() if line.strip()]
        why = err[-1][:200] if err else "exit status %d, no output" % p.returncode
        raise DependencyError("%s is not a working Python interpreter (%s)" % (name, why))
    if tuple(int(x) for x in out.split(".")) < MIN_VERSION:
        raise DependencyError("%s is Python %s; f2btune needs Python %d.%d or later" % ((name, out) + MIN_VERSION))
    return out


def resolve(exe):
    """:func:`find` ``exe`` and prove it is a working Python 3.9+ (once per process)."""
    path = find(exe)
    if path not in _working:
        _working[path] = version_of([path], exe)
    return path
