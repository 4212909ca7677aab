"""Time stamps from fail2ban's own date tests, and lines stamped with them.

The stamps are read from fail2ban's tests/datedetectortestcase.py (testVariousTimes) with
``ast``: the very list fail2ban proves its default detection on, not a copy.
"""
import ast
import os

import pytest

F2B_TESTS = "/usr/lib/python3/dist-packages/fail2ban/tests"


def fail2ban_stamps():
    """Every date string of fail2ban's testVariousTimes that carries a date (in file order)."""
    path = os.path.join(F2B_TESTS, "datedetectortestcase.py")
    if not os.path.isfile(path):
        pytest.skip("fail2ban's test suite is not installed (%s)" % path)
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef) and fn.name == "testVariousTimes":
            loop = next(n for n in ast.walk(fn) if isinstance(n, ast.For) and isinstance(n.iter, ast.Tuple))
            stamps = [ast.literal_eval(e)[2] for e in loop.iter.elts]
            return [s for s in stamps if s != "no date line"]
    raise AssertionError("testVariousTimes not found in %s" % path)


# Stamps real syslog daemons write that the list lacks: RFC 3164 with microseconds or a year,
# a space-padded day, RFC 3339 without zone or with +hhmm, ISO with a fraction, and the stamp of
# a real CentOS auth.log (ISO, a space, no zone).
EXTRA_STAMPS = [
    "Jan 23 21:59:59.011",
    "Jan 23 21:59:59 2005",
    "Jan  3 21:59:59",
    "2005-01-23T21:59:59",
    "2005-01-23T21:59:59.123456+01:00",
    "2005-01-23T21:59:59+0100",
    "2005-01-23 21:59:59.123",
    "2020-08-23 01:10:51",
]


def all_stamps():
    return fail2ban_stamps() + EXTRA_STAMPS
