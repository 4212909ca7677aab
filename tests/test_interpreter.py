"""--python: one place finds the interpreter and proves it is a working Python 3.9+; anything else
is a runtime error (exit status 1) naming it, for every command that takes --python."""
import sys

import pytest

from f2btune import interpreter
from f2btune.errors import DependencyError
from tests.conftest import run_cli

NOT_PYTHON = [("/usr/bin/perl", "not a working Python"), ("/bin/false", "not a working Python"),
              ("f2btune-no-such-python", "not found"), ("/dev/null", "not found")]


def test_not_executable(tmp_path):
    plain = tmp_path / "python3"
    plain.write_text("#!/usr/bin/python3\n")
    plain.chmod(0o644)
    with pytest.raises(DependencyError, match="not executable"):
        interpreter.resolve(str(plain))


def test_resolves_names_and_paths(pypy3):
    assert interpreter.resolve(sys.executable) == sys.executable
    assert interpreter.resolve("pypy3") == pypy3
    assert interpreter.version_of([pypy3], "pypy3") == "3.9"


@pytest.mark.parametrize("exe, words", NOT_PYTHON + [("", "needs an interpreter")])
def test_not_a_python(exe, words):
    with pytest.raises(DependencyError, match=words) as e:
        interpreter.resolve(exe)
    assert exe in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize("exe, words", NOT_PYTHON)
@pytest.mark.parametrize("command", [["server", "-xf", "start"], ["replay", "--lines", "1000"],
                                     ["bench", "benchmarks/data/flood-small.log", "--quiet"]])
def test_every_command_names_the_interpreter(command, exe, words):
    r = run_cli(*(command[:1] + ["--python", exe] + command[1:]), timeout=120)
    assert r.returncode == 1, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and exe in lines[0] and words in lines[0], r.stderr
