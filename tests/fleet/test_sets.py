"""The puller's sets in a real kernel (inside a network namespace): families, nomatch holes,
sync against stale entries, rebuild after a firewall reload."""
import os
import subprocess
import time

import pytest

from f2btune import netns

NS = "f2bt19-sets%d" % os.getpid()


def in_ns(func, *args):
    ns = netns.Netns(NS)
    with ns.pool() as pool:
        return pool.apply(func, args)


def _scenario():
    from f2btune.fleet.sets import FleetSets
    s = FleetSets("f2bt19t")
    assert s.setup() == {}
    now = time.time()
    wanted = {"192.0.2.1": now + 600, "198.51.100.0/24": now + 3000000, "2001:db8::1": now + 60}
    holes = {"198.51.100.0/24": ["198.51.100.7"]}
    s.ipset.add("f2bt-f2bt19t", "192.0.2.99", 100)          # stale: not wanted any more
    added, removed = s.sync(wanted, holes, now)
    out = {"sync": (added, removed), "members": dict((k, dict((e, tuple(m)) for e, m in v.items()))
                                                      for k, v in s.members().items())}
    out["elapsed"] = time.time() - now
    rule = subprocess.run(["iptables", "-S", "INPUT"], capture_output=True, text=True).stdout
    out["rules"] = [l for l in rule.splitlines() if "f2bt19t" in l]
    out["due"] = [str(n) for n in s.due(wanted, now)]
    subprocess.run(["iptables", "-F", "INPUT"], check=True)
    out["verify_after_flush"] = s.verify()
    s.setup()
    out["verify_after_setup"] = s.verify()
    s.remove("192.0.2.1")
    out["after_remove"] = sorted(s.ipset.members("f2bt-f2bt19t"))
    s.teardown()
    out["after_teardown"] = s.ipset.info("f2bt-f2bt19t")
    return out


@pytest.fixture
def namespace(as_root):
    for tool in ("ipset", "iptables", "ip6tables"):
        import shutil
        if not shutil.which(tool):
            pytest.skip("%s not installed" % tool)
    ns = netns.Netns(NS)
    ns.create()
    try:
        yield ns
    finally:
        ns.delete()


def test_sets_hold_exactly_the_wanted_entries_with_holes(namespace):
    out = in_ns(_scenario)
    m = out["members"]
    assert set(m["f2bt-f2bt19t"]) == {"192.0.2.1"}                # the stale entry is gone
    # the time left, less what passed between choosing it and reading it (whole seconds)
    assert 600 - out["elapsed"] - 1 <= m["f2bt-f2bt19t"]["192.0.2.1"][0] <= 600
    assert m["f2btn-f2bt19t"]["198.51.100.0/24"] == (2147483, False)  # capped at ipset's limit
    assert m["f2btn-f2bt19t"]["198.51.100.7"][1] is True             # the ignored address: nomatch
    assert set(m["f2bt6-f2bt19t"]) == {"2001:db8::1"}
    assert out["sync"][1] == 1
    assert len(out["rules"]) == 2 and all("DROP" in r for r in out["rules"])
    assert out["due"] == []       # the capped range is re-armed only within a day of the cap
    assert out["verify_after_flush"] is False and out["verify_after_setup"] is True
    assert out["after_remove"] == []
    assert out["after_teardown"] is None


def _probe_hole():
    """Whether the kernel matches a range member and its nomatch hole (ipset test)."""
    from f2btune.fleet.sets import FleetSets
    s = FleetSets("f2bt19h")
    s.setup()
    s.add("203.0.113.0/24", time.time() + 60, ["203.0.113.9"])
    res = [subprocess.run(["ipset", "test", "f2btn-f2bt19h", ip], capture_output=True).returncode
           for ip in ("203.0.113.8", "203.0.113.9")]
    s.teardown()
    return res


def test_an_ignored_address_inside_a_blocked_range_is_not_matched(namespace):
    assert in_ns(_probe_hole) == [0, 1]
