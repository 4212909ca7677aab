"""tools/bootstrap.sh from nothing, as a newcomer runs it: a copy of the tree without .venv, no pip
cache, Debian packages as installed; then the demo on a shrunk log, under CPython and PyPy.
And a pin that PyPy's Python cannot take stops the bootstrap with one line."""
import os
import shutil
import subprocess

import pytest

from tests.conftest import ROOT

SKIP = shutil.ignore_patterns(".venv", ".git", "build", "dist", "__pycache__", "*.egg-info",
                              ".pytest_cache", "*.pyc")
# no pip cache, no user pip config: what a fresh machine has
FRESH = {"PIP_NO_CACHE_DIR": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def fresh_copy(tmp_path):
    dst = str(tmp_path / "f2btune")
    shutil.copytree(ROOT, dst, ignore=SKIP, symlinks=True)
    return dst


def run(cmd, cwd, env=None, timeout=900):
    e = dict(os.environ)
    e.pop("PYTHONPATH", None)
    e.pop("VIRTUAL_ENV", None)
    e["PATH"] = os.pathsep.join(p for p in e.get("PATH", "").split(os.pathsep)
                                if not p.startswith(os.path.join(ROOT, ".venv")))
    e.update(FRESH)
    e.update(env or {})
    return subprocess.run(cmd, cwd=cwd, env=e, capture_output=True, text=True, timeout=timeout)


def test_make_demo_from_nothing(tmp_path):
    src = fresh_copy(tmp_path)
    log = tmp_path / "demo.log"
    with open(os.path.join(ROOT, "benchmarks", "data", "flood-small.log")) as f:
        log.write_text("".join(line for _, line in zip(range(1500), f)))
    p = run(["make", "demo", "DEMO_LOG=%s" % log, "DEMO_OPTS=--stage all --fast --sample 150 --quiet"],
            cwd=src, env={"F2BTUNE_BENCH_QUICK": "1"})
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    assert os.path.isfile(os.path.join(src, ".venv", ".f2btune-bootstrap"))
    assert "pyperf worker ok" in p.stdout
    table = [line.split() for line in p.stdout.splitlines()]
    for stage in ("regex", "filter", "jail", "jail-info"):
        for python in ("CPython", "PyPy"):
            rows = [r for r in table if len(r) > 3 and r[1] == stage and r[2] == python]
            assert {r[0] for r in rows} == {"seed", "f2btune-synflood"}, (stage, python, p.stdout)
    # a second run finds everything in place and does nothing
    again = run(["sh", "tools/bootstrap.sh"], cwd=src)
    assert again.returncode == 0 and again.stdout == "" and again.stderr == ""


def test_pin_pypy_cannot_take_stops_with_one_line(tmp_path):
    src = fresh_copy(tmp_path)
    pins = os.path.join(src, "tools", "pins.txt")
    with open(pins) as f:
        text = f.read()
    # pyperf 2.11.0 declares Requires-Python >=3.11; Debian's PyPy 7.3.11 is Python 3.9
    moved = text.replace('pyperf==2.10.0 ; implementation_name == "pypy"',
                         'pyperf==2.11.0 ; implementation_name == "pypy"')
    assert moved != text
    with open(pins, "w") as f:
        f.write(moved)
    p = run(["sh", "tools/bootstrap.sh"], cwd=src)
    assert p.returncode == 1
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert "/usr/bin/pypy3" in lines[0] and "pyperf==2.11.0" in lines[0]
    assert "Requires-Python >=3.11" in lines[0] and "tools/pins.txt" in lines[0]
    assert not os.path.exists(os.path.join(src, ".venv", ".f2btune-bootstrap"))
