"""pyperf settings per interpreter and mode; stage expansion; where pyperf files go."""
import os

import pytest

from f2btune.bench import harness
from f2btune.bench.interpreters import Interpreter
from f2btune.errors import InputError


def interp(jit):
    return Interpreter("python", {"jit": jit, "version": "3.11.2"}, {})


def opts(*a):
    return dict(o.lstrip("-").split("=") for o in harness.pyperf_options(*a))


def test_pyperf_options(monkeypatch):
    monkeypatch.delenv(harness.QUICK_ENV, raising=False)
    assert opts(interp(False), True, "warm", 10000) == {"processes": "3", "values": "3", "warmups": "1"}
    assert opts(interp(False), False, "warm", 10000)["processes"] == "10"
    jit = opts(interp(True), False, "warm", 10000)
    assert (jit["processes"], jit["values"]) == ("6", "10")     # pyperf's JIT defaults
    assert opts(interp(True), True, "cold", 10000) == {"loops": "1", "warmups": "0", "values": "1",
                                                       "processes": "2"}
    assert harness.jit_warmup_lines(True) >= 30000
    monkeypatch.setenv(harness.QUICK_ENV, "1")
    assert opts(interp(False), True, "warm", 10)["processes"] == "1"


def test_expand_stages():
    assert harness.expand_stages("all") == ["regex", "filter", "jail", "jail-info"]
    assert harness.expand_stages("jail") == ["jail", "jail-info"]
    assert harness.expand_stages(["filter", "regex", "filter"]) == ["filter", "regex"]
    with pytest.raises(InputError):
        harness.expand_stages("parse")


def test_sample_size():
    assert harness.sample_size(True, None) == harness.SAMPLE_FAST
    assert harness.sample_size(False, None) == harness.SAMPLE_FULL
    assert harness.sample_size(True, 0) == 0
    with pytest.raises(InputError):
        harness.sample_size(True, -1)


def test_workdir_beside_json(tmp_path):
    d, temporary = harness.make_workdir(str(tmp_path / "out.json"))
    assert d == str(tmp_path / "out-pyperf") and not temporary and os.path.isdir(d)
    d, temporary = harness.make_workdir(None)
    assert temporary
    harness.remove_workdir(d)
    assert not os.path.exists(d)
