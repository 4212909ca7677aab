"""Interpreters are probed for real; nothing runnable is a one-line error (exit status 1)."""
import sys

import pytest

from f2btune.bench import interpreters
from f2btune.errors import ExitStatus, F2btuneError


def test_current_interpreter():
    i = interpreters.probe(sys.executable)
    assert i.info["fail2ban"].startswith(("1.0", "1.1"))
    assert not i.jit and i.label.startswith("CPython ")


def test_pypy(pypy3):
    i = interpreters.probe(pypy3)
    assert i.jit and i.label.startswith("PyPy ")
    assert interpreters.PACKAGE_ROOT in i.env["PYTHONPATH"]


@pytest.mark.parametrize("exe, words", [("f2btune-no-such-python", "not found"),
                                        ("/nonexistent/python3", "not found"),
                                        ("", "needs an interpreter"),
                                        ("true", "not a working Python interpreter")])
def test_nothing_runnable(exe, words):
    with pytest.raises(F2btuneError, match=words) as e:
        interpreters.probe(exe)
    assert "\n" not in str(e.value) and e.value.exit_status == ExitStatus.ERROR


def test_probe_all_deduplicates():
    assert len(interpreters.probe_all([sys.executable, sys.executable])) == 1
