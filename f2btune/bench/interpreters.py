"""Interpreters a benchmark runs under: found, probed (can it import fail2ban and pyperf?), labelled."""
import json
import os
import shutil
import subprocess
import sys

from f2btune.errors import InputError
from f2btune.f2b import interpreter_env
from f2btune.paths import SOURCE_ROOT

PACKAGE_ROOT = SOURCE_ROOT  # the directory holding the f2btune package
# pyperf for PyPy: tools/bootstrap.sh installs it here (pure Python, no psutil)
PYPY_LIB = os.path.join(SOURCE_ROOT, ".venv", "pypy-lib")

_PROBE = r"""
import json, platform, sys
out = {"implementation": platform.python_implementation(),
       "version": "%d.%d.%d" % sys.version_info[:3], "executable": sys.executable}
if hasattr(sys, "pypy_version_info"):
    out["pypy_version"] = "%d.%d.%d" % sys.pypy_version_info[:3]
try:
    import pyperf
    out["pyperf"] = pyperf.__version__
    out["jit"] = bool(pyperf.python_has_jit())
except Exception as e:
    out["error"] = "cannot import pyperf (%s)" % e
try:
    import fail2ban.version, fail2ban.server.filter
    out["fail2ban"] = fail2ban.version.version
except Exception as e:
    out.setdefault("error", "cannot import fail2ban (%s)" % e)
print(json.dumps(out))
"""


class Interpreter(object):
    """One interpreter: ``exe`` as given, probed facts, and the environment its workers get."""

    def __init__(self, exe, info, env):
        self.exe = exe
        self.info = info
        self.env = env

    @property
    def jit(self):
        return bool(self.info.get("jit"))

    @property
    def label(self):
        i = self.info
        if i.get("pypy_version"):
            return "PyPy %s (py%s)" % (i["pypy_version"], ".".join(i["version"].split(".")[:2]))
        return "%s %s" % (i.get("implementation", "Python"), i.get("version", "?"))

    def to_dict(self):
        d = dict(self.info)
        d.update({"exe": self.exe, "label": self.label})
        return d


def worker_env(exe):
    """Environment for a worker: f2btune importable; other interpreters also see Debian's fail2ban
    and pyperf for PyPy (``PYTHONPATH=<repo>:.venv/pypy-lib:/usr/lib/python3/dist-packages``)."""
    extra = [p for p in os.environ.get("F2BTUNE_PYPY_PATH", "").split(os.pathsep) if p]
    if os.path.isdir(PYPY_LIB):
        extra.append(PYPY_LIB)
    return interpreter_env(exe, extra)


def resolve(exe):
    """An interpreter path from a name or path; DependencyError if it is not a working Python."""
    from f2btune.interpreter import resolve as resolve_python
    return resolve_python(exe)


def probe(exe):
    """Check that ``exe`` can run the benchmark worker; returns an Interpreter or raises InputError."""
    path = resolve(exe)
    env = worker_env(path)
    try:
        proc = subprocess.run([path, "-c", _PROBE], capture_output=True, text=True, env=env,
                              timeout=120)
    except (OSError, subprocess.SubprocessError) as e:
        raise InputError("cannot run python interpreter %s: %s" % (exe, e))
    try:
        info = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise InputError("%s is not a usable Python 3 interpreter: %s" % (exe, last))
    if info.get("error"):
        raise InputError("python %s: %s" % (exe, info["error"]))
    return Interpreter(path, info, env)


def default_pythons(extra=()):
    """The current interpreter plus ``extra``; without ``extra``, plus ``pypy3`` when it is installed."""
    if extra:
        return [sys.executable] + list(extra)
    pypy = shutil.which("pypy3")
    return [sys.executable] + ([pypy] if pypy else [])


def probe_all(exes):
    """Probe each distinct interpreter once, keeping order."""
    seen, out = set(), []
    for exe in exes:
        key = os.path.realpath(resolve(exe))
        if key in seen:  # e.g. a venv's python and the interpreter it links to
            continue
        seen.add(key)
        out.append(probe(exe))
    return out
