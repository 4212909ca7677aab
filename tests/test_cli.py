"""The exit-status table of the README, command by command: 2 for a bad command line, 1 for a
runtime error, each with one line on stderr and no traceback; inputs that are not regular files
(a named pipe with no writer, a device) are refused without ever blocking."""
import os

import pytest

from tests.conftest import run_cli

SSHD = "tests/files/logs/f2btune-sshd"
FLOOD = "benchmarks/data/flood-small.log"

USAGE = [
    ["suggest-regex", SSHD, "--match", "", "--no-bench"],
    ["suggest-regex", SSHD, "--failregex", " ", "--no-bench"],
    ["suggest-regex", SSHD, "--no-bench"],
    ["flood", "-o", "{tmp}/f.log", "--lines", "-5"],
    ["flood", "-o", "{tmp}/f.log", "--sources", "0"],
    ["flood", "-o", "{tmp}/f.log", "--rate", "0"],
    ["flood", "-o", "{tmp}/f.log", "--rate", "nan"],
    ["flood", "-o", "{tmp}/f.log", "--ipv6", "1.5"],
    ["flood", "-o", "{tmp}/f.log", "--noise", "-0.1"],
    ["flood", "-o", "{tmp}/f.log", "--lines", "ten"],
    ["bench", FLOOD, "--sample", "-5"],
    ["bench", FLOOD, "--stage", "nope"],
    ["rules", "--burst", "-1"],
    ["replay", "--lines", "-5"],
    ["server", "--no-such-fail2ban-option"],
    ["check", "--no-such-option"],
    ["install", "--no-such-option"],
    ["tolerance"],
    ["no-such-command"],
]

RUNTIME = [
    (["flood", "-o", "/nonexistent/dir/f.log", "--lines", "5"], "cannot write"),
    (["bench", "/nonexistent.log", "--quiet"], "log not found"),
    (["bench", "/dev/zero", "--quiet"], "character device"),
    (["bench", "{fifo}", "--quiet"], "named pipe"),
    (["suggest-regex", "{fifo}", "--match", "sshd", "--no-bench"], "named pipe"),
    (["suggest-regex", "/dev/urandom", "--match", "sshd", "--no-bench"], "character device"),
    (["check", "--conf", "{fifo}"], "no fail2ban configuration"),
    (["install", "--root", "{tmp}"], "no fail2ban configuration"),
    (["install", "--root", "{tmp}/missing"], "does not exist"),
    (["uninstall", "--root", "{tmp}/missing"], "does not exist"),
    (["tolerance", "sshd", "-s", "{tmp}/no.sock"], "cannot reach fail2ban"),
    (["tolerance", "sshd", "-s", "{fifo}"], "cannot reach fail2ban"),
]


def fill(args, tmp_path):
    fifo = str(tmp_path / "log.fifo")
    if not os.path.exists(fifo):
        os.mkfifo(fifo)
    return [a.format(tmp=tmp_path, fifo=fifo) for a in args]


def one_line(r):
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    return lines[0]


@pytest.mark.parametrize("args", USAGE, ids=lambda a: " ".join(a)[:60])
def test_usage_errors_exit_2(args, tmp_path):
    r = run_cli(*fill(args, tmp_path), timeout=120)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "error" in one_line(r)


@pytest.mark.parametrize("args, words", RUNTIME, ids=lambda a: " ".join(a)[:60] if isinstance(a, list) else "")
def test_runtime_errors_exit_1(args, words, tmp_path):
    r = run_cli(*fill(args, tmp_path), timeout=120)   # a reader blocked on the FIFO fails the deadline
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert words in one_line(r)


def test_number_type_bounds():
    import argparse
    from f2btune.commands import FRACTION, number
    assert number(minimum=0)("0") == 0 and FRACTION("1") == 1.0
    for parse, text in ((number(minimum=1), "0"), (number(float, above=0.0), "0"), (FRACTION, "nan"),
                        (number(), "1.5")):
        with pytest.raises(argparse.ArgumentTypeError):
            parse(text)
