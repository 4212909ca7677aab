# f2btune - fail2ban tuning toolkit
# SPDX-License-Identifier: GPL-2.0-or-later
"""Install tools/pins.txt into one interpreter's environment, and prove the interpreter works.

  python3 tools/pins.py install .venv/bin/python               the CPython venv
  python3 tools/pins.py install /usr/bin/pypy3 --target DIR    PyPy: DIR goes on its PYTHONPATH
  .venv/bin/python tools/pins.py smoke .venv/bin/python pypy3   one tiny pyperf worker under each

``install`` runs the interpreter's own pip with --no-deps on the pins whose marker holds for that
interpreter (so Requires-Python is checked against its Python version), then checks the installed
versions.  ``smoke`` runs ``pyperf timeit --worker`` in the environment ``f2btune bench`` gives its
workers, importing fail2ban and f2btune's worker.  Any failure prints one line naming the
interpreter and the package, and exits 1.  Standard library only (runs before f2btune exists).
"""
import json
import os
import re
import subprocess
import sys
import tempfile

PINS = os.environ.get("F2BTUNE_PINS") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "pins.txt")
PIP = ["-m", "pip", "--disable-pip-version-check", "--no-input", "--no-color"]
PIP_INSTALL = ["install", "--no-deps", "--root-user-action=ignore", "-q"]

_DESCRIBE = r"""
import json, platform, sys
from pip._vendor.packaging.markers import Marker
d = {"impl": platform.python_implementation(), "version": platform.python_version(),
     "pypy": "%d.%d.%d" % sys.pypy_version_info[:3] if hasattr(sys, "pypy_version_info") else None}
d["pins"] = [r for r, m in json.loads(sys.argv[1]) if not m or Marker(m).evaluate()]
print(json.dumps(d))
"""


class Failure(Exception):
    """One line for the user."""


def read_pins(path=PINS):
    """[(requirement, marker or '')] in file order; every requirement must be name==version."""
    out = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            req, _, marker = (p.strip() for p in line.partition(";"))
            if not re.match(r"^[A-Za-z0-9._-]+==[A-Za-z0-9.+!-]+$", req):
                raise Failure("%s:%d: %r is not an exact pin (name==version)" % (path, n, req))
            out.append((req, marker))
    return out


def describe(exe, pins):
    """The interpreter's label and the pins that apply to it (markers evaluated by it)."""
    p = None
    try:
        p = subprocess.run([exe, "-c", _DESCRIBE, json.dumps(pins)], capture_output=True, text=True,
                           timeout=120)
        d = json.loads(p.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as e:
        raise Failure("%s is not a working Python with pip (%s)" % (exe, last_line(p) if p else e))
    label = "%s %s" % (d["impl"], d["version"]) if not d["pypy"] else "PyPy %s (Python %s)" % (d["pypy"], d["version"])
    return "%s [%s]" % (exe, label), d["pins"]


def last_line(proc):
    lines = [l for l in (proc.stderr or "").splitlines() if l.strip() and not l.startswith("WARNING")]
    return lines[-1].strip() if lines else "exit status %s" % proc.returncode


def pip_reason(proc, name):
    """pip's most telling error line for package ``name``."""
    errors = [l[len("ERROR:"):].strip() for l in proc.stderr.splitlines() if l.startswith("ERROR:")]
    python = [e for e in errors if "a different python" in e.lower()]
    mine = [e for e in errors if name.lower() in e.lower()]
    return (python or mine or errors or [last_line(proc)])[0]


def install(exe, target=None):
    who, pins = describe(exe, read_pins())
    where = ["--target", target] if target else []
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as req:
        req.write("\n".join(pins) + "\n")
        req.flush()
        p = subprocess.run([exe] + PIP + PIP_INSTALL + where + ["-r", req.name], capture_output=True, text=True)
    if p.returncode != 0:
        for pin in pins:  # which pin? try each alone, changing nothing
            q = subprocess.run([exe] + PIP + PIP_INSTALL + where + ["--dry-run", "--ignore-installed", pin],
                               capture_output=True, text=True)
            if q.returncode != 0:
                raise Failure("%s: cannot install %s: %s; move its pin in tools/pins.txt (README: Moving a pin)"
                              % (who, pin, pip_reason(q, pin.split("==")[0])))
        raise Failure("%s: pip failed: %s" % (who, pip_reason(p, "")))
    check_versions(exe, who, pins, target)
    return who, pins


def check_versions(exe, who, pins, target):
    code = ("import json, sys\nfrom importlib.metadata import version\nout = {}\n"
            "for n in sys.argv[1:]:\n    try: out[n] = version(n)\n    except Exception: out[n] = None\n"
            "print(json.dumps(out))")
    env = dict(os.environ, PYTHONPATH=target) if target else None
    names = [p.split("==")[0] for p in pins]
    p = subprocess.run([exe, "-c", code] + names, capture_output=True, text=True, env=env)
    have = json.loads(p.stdout) if p.returncode == 0 else {}
    for pin in pins:
        name, want = pin.split("==")
        if have.get(name) != want:
            raise Failure("%s: %s is %s after installing %s" % (who, name, have.get(name) or "missing", pin))


def package_of(traceback, default):
    """The top-level package of the deepest frame of ``traceback`` that lives in an installed tree."""
    found = default
    for m in re.finditer(r'File "([^"]+)"', traceback):
        parts = m.group(1).split(os.sep)
        for i, part in enumerate(parts[:-1]):
            if part in ("site-packages", "dist-packages", "pypy-lib") and i + 2 < len(parts):
                found = parts[i + 1]
    return found


def smoke(exe):
    """One tiny pyperf worker under ``exe``, in the environment f2btune bench gives its workers."""
    from f2btune.bench.interpreters import worker_env
    who, _ = describe(exe, [])
    cmd = [exe, "-m", "pyperf", "timeit", "--worker", "--loops=1", "--values=1", "--warmups=0",
           "-s", "import fail2ban.server.filter, f2btune.bench.worker", "pass"]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, env=worker_env(exe), timeout=300)
    except subprocess.TimeoutExpired:
        raise Failure("%s: a one-value pyperf worker did not finish within 300 s" % who)
    if p.returncode != 0:
        pkg = package_of(p.stderr, "pyperf")
        raise Failure("%s: a pyperf worker fails in package %s: %s; move its pin in tools/pins.txt "
                      "(README: Moving a pin)" % (who, pkg, last_line(p)))
    return who


def main(argv):
    try:
        if argv[:1] == ["install"] and len(argv) in (2, 4):
            target = argv[3] if len(argv) == 4 and argv[2] == "--target" else None
            who, pins = install(argv[1], target)
            print("bootstrap: %s: %s" % (who, " ".join(pins) or "nothing pinned"))
        elif argv[:1] == ["smoke"] and len(argv) > 1:
            for exe in argv[1:]:
                print("bootstrap: %s: pyperf worker ok" % smoke(exe))
        else:
            print("usage: pins.py install PYTHON [--target DIR] | pins.py smoke PYTHON...", file=sys.stderr)
            return 2
    except Failure as e:
        print("bootstrap: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
