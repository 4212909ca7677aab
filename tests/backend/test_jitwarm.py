"""The JIT warm-up leaves no trace: a real fail2ban Jail with backend f2btune looks the same
before and after it (statistics, counter, caches, ban view, FailManager, date detector)."""
import os
import re

import pytest

from f2btune.backend import jitwarm, regexsample
from f2btune.backend.register import register

from tests.backend.conftest import flood_lines
from tests.backend.test_core import drain, make_jail


@pytest.fixture(scope="module", autouse=True)
def registered():
    register()


def fingerprint(obj, seen=None):
    """A comparable picture of everything reachable from ``obj`` through fail2ban's and
    f2btune's own objects, dicts, lists, sets and tuples (locks, regexes, threads: by type)."""
    seen = {} if seen is None else seen
    if obj is None or isinstance(obj, (bool, int, float, str, bytes)):
        return obj
    if id(obj) in seen:
        return ("ref", seen[id(obj)])
    seen[id(obj)] = len(seen)
    if isinstance(obj, dict):
        return ("dict", sorted((repr(k), fingerprint(v, seen)) for k, v in obj.items()))
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [fingerprint(v, seen) for v in obj])
    if isinstance(obj, (set, frozenset)):
        return ("set", sorted(repr(v) for v in obj))
    mod = type(obj).__module__ or ""
    if not (mod.startswith("fail2ban") or mod.startswith("f2btune")):
        return ("opaque", type(obj).__name__)
    attrs = dict(getattr(obj, "__dict__", {}))
    for cls in type(obj).__mro__:
        for name in getattr(cls, "__slots__", ()):
            if name not in attrs and hasattr(obj, name):
                attrs[name] = getattr(obj, name)
    return (type(obj).__name__, sorted((k, fingerprint(v, seen)) for k, v in attrs.items()))


def busy_jail(root_dir):
    """A jail that has counted, cached and banned: every piece of state is non-empty."""
    j = make_jail("warm", "f2btune", root_dir)
    j.filter.setMaxRetry(5)
    lines, _ = flood_lines(1500, sources=300, seed=5)
    raw = [l.encode() for l in lines]
    for i in range(0, len(raw), 200):
        j.filter.process_raw_lines(raw[i:i + 200])
    return j


def test_warm_up_runs_and_leaves_no_trace(root_dir):
    j = busy_jail(root_dir)
    flt = j.filter
    assert flt.stats["parked"] and flt.stats["bans"] and flt.stats["pending"]
    before = fingerprint(j)
    total = flt.failManager.getFailTotal()
    done = jitwarm.warm(flt, waiting=lambda f: False)
    assert done is not None and done[0] > 1000
    assert fingerprint(j) == before
    assert flt.failManager.getFailTotal() == total
    tickets = drain(j)
    assert all(not str(t.getID()).startswith("198.1") for t in tickets)


def test_jail_counts_the_same_after_a_warm_up(root_dir):
    lines, _ = flood_lines(2000, sources=80, seed=8)
    raw = [l.encode() for l in lines]
    outcomes = []
    for warm in (False, True):
        j = make_jail("w%d" % warm, "f2btune", root_dir)
        j.filter._refresh_anchor()          # as warm_up does before the warm-up
        if warm:
            assert jitwarm.warm(j.filter, waiting=lambda f: False)
        for i in range(0, len(raw), 150):
            j.filter.process_raw_lines(raw[i:i + 150])
        st = dict(j.filter.stats)
        st.pop("batch_ms")
        outcomes.append((sorted(str(t.getID()) for t in drain(j)), j.filter.counted_failures(), st))
    assert outcomes[0] == outcomes[1]


def test_a_waiting_line_stops_the_warm_up(root_dir, tmp_path):
    j = make_jail("wait", "f2btune", root_dir)
    log = str(tmp_path / "kern.log")
    open(log, "w").close()
    j.filter.addLogPath(log, tail=True)
    j.filter._refresh_anchor()
    assert not jitwarm.unread(j.filter)
    with open(log, "a") as f:
        f.write(flood_lines(1)[0][0] + "\n")
    assert jitwarm.unread(j.filter)
    assert jitwarm.warm(j.filter)[0] == 0
    j.filter.delLogPath(log)


def test_no_warm_up_where_fail2ban_reads_every_line(root_dir):
    j = make_jail("pref", "f2btune", root_dir)
    j.filter.addIgnoreRegex("never matches 123")
    j.filter._refresh_anchor()
    assert jitwarm.why_not(j.filter) and jitwarm.warm(j.filter) is None


def test_option_values():
    assert jitwarm.wanted("yes") and not jitwarm.wanted("no")
    assert jitwarm.wanted("auto") == jitwarm.JIT
    from fail2ban.server.jail import Jail
    with pytest.raises(ValueError):
        Jail("bad", backend="f2btune[jitwarm=sometimes]")
    assert Jail("default", backend="f2btune").filter.options.jitwarm == "no"


@pytest.mark.parametrize("name", ["f2btune-synflood.conf"])
def test_texts_written_from_a_failregex_match_it(root_dir, name):
    from f2btune.f2b import apply_filter_commands, filter_commands
    from fail2ban.server.jail import Jail
    flt = Jail("t", backend="f2btune").filter
    apply_filter_commands(flt, filter_commands(os.path.join(root_dir, "filter.d", name)))
    for rx in flt.getFailRegex():
        found = regexsample.address_templates([re.compile(rx)])
        assert {4, 6} <= set(f for _, f, _ in found)
