"""Bench fixtures: small generated floods, a private synflood-like filter file, quick pyperf runs."""

import pytest

from f2btune import flood
from tests.conftest import SCALE

LINES = max(200, int(600 * SCALE))

# A prefix-anchored filter of our own (the tests must not depend on another area's filter).
TEST_FILTER = r"""
[Definition]
failregex = ^\s*\S+ kernel: (?:\[ *\d+\.\d+\] )?f2b-syn: IN=\S* OUT=\S* (?:MAC=\S+ )?SRC=<ADDR> DST=\S+ .*? SYN URGP=
datepattern = ^%%b %%d %%H:%%M:%%S
"""


@pytest.fixture(autouse=True)
def quick_pyperf(monkeypatch):
    """pyperf with the fewest processes/values: the suite checks the machinery, not the figures."""
    monkeypatch.setenv("F2BTUNE_BENCH_QUICK", "1")


@pytest.fixture(scope="session")
def flood_log(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("bench-flood") / "flood.log")
    summary = flood.write_flood(path, LINES, sources=30, ipv6=0.2, seed=11)
    return path, summary


@pytest.fixture(scope="session")
def test_filter(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("bench-filter") / "f2btune-test-syn.conf")
    with open(path, "w") as f:
        f.write(TEST_FILTER)
    return path


@pytest.fixture
def bad_logs(tmp_path):
    empty = tmp_path / "empty.log"
    empty.write_bytes(b"")
    binary = tmp_path / "garbage.bin"
    binary.write_bytes(bytes(range(256)) * 64)
    return {"missing": str(tmp_path / "nope.log"), "empty": str(empty), "binary": str(binary),
            "directory": str(tmp_path)}
