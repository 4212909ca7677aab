"""f2btune.kernel.ipset against the real kernel, checked with the ipset command, in a namespace."""
import os
import subprocess

import pytest

from f2btune.kernel.ipset import BATCH, TIMEOUT_MAX, Ipset, IpsetError, Member, SetMismatch, SetSpec
from tests.conftest import netns_pool


def _ipset(*args):
    return subprocess.run(("ipset",) + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True).stdout


def scenario_sets():
    k = Ipset()
    out = {"absent": k.info("f2bt-k4")}
    out["ensure"] = [k.ensure("f2bt-k4", SetSpec("hash:ip", 4, 100)), k.ensure("f2bt-k4", SetSpec("hash:ip", 4, 100))]
    out["listed"] = _ipset("list", "-t", "f2bt-k4")
    try:
        k.ensure("f2bt-k4", SetSpec("hash:ip", 4, 200))
    except SetMismatch as e:
        out["mismatch"] = str(e)
    subprocess.run(["ipset", "create", "f2bt-knotimeout", "hash:ip"], check=True)
    out["notimeout"] = k.info("f2bt-knotimeout").timeout
    k.create("f2bt-k6", SetSpec("hash:net", 6, 50))
    out["info6"] = k.info("f2bt-k6")
    try:
        k.create("f2bt-k6", SetSpec("hash:net", 6, 50))
    except IpsetError as e:
        out["exclusive"] = e.code
    k.add("f2bt-k6", "2001:db8::1", 30)
    k.create("f2bt-k6b", SetSpec("hash:net", 6, 50))
    k.swap("f2bt-k6", "f2bt-k6b")
    out["swapped"] = (sorted(k.members("f2bt-k6")), sorted(k.members("f2bt-k6b")))
    k.rename("f2bt-k6b", "f2bt-k6c")
    out["renamed"] = _ipset("list", "-n")
    for name in ("f2bt-k4", "f2bt-knotimeout", "f2bt-k6", "f2bt-k6c", "f2bt-k6c"):
        k.destroy(name)
    out["destroyed"] = _ipset("list", "-n")
    return out


def test_sets_are_created_checked_swapped_renamed_and_destroyed(nsworker):
    out = nsworker.apply(scenario_sets)
    assert out["absent"] is None
    assert out["ensure"] == ["created", "exists"]
    assert "Type: hash:ip" in out["listed"] and "maxelem 100 timeout" in out["listed"]
    assert out["mismatch"] == ("ipset f2bt-k4 exists as hash:ip family inet maxelem 100 timeout, "
                               "not hash:ip family inet maxelem 200 timeout")
    assert out["notimeout"] is None
    assert out["info6"][1:5] == ("hash:net", 6, 600, 50) and out["info6"].references == 0
    assert out["exclusive"] == 17
    assert out["swapped"] == ([], ["2001:db8::1"])
    assert "f2bt-k6c" in out["renamed"] and "f2bt-k6b" not in out["renamed"]
    assert "f2bt-k" not in out["destroyed"]


def scenario_entries():
    k = Ipset()
    k.create("f2bt-e4", SetSpec("hash:ip", 4, 3 * BATCH))
    k.create("f2bt-n6", SetSpec("hash:net", 6, 10))
    k.add("f2bt-e4", "192.0.2.1", 100)
    k.add("f2bt-e4", "192.0.2.2", 0)
    k.add("f2bt-e4", "192.0.2.3")
    k.add("f2bt-e4", "192.0.2.4", TIMEOUT_MAX)
    out = {"members": k.members("f2bt-e4"), "saved": _ipset("save", "f2bt-e4")}
    out["deleted"] = (k.delete("f2bt-e4", "192.0.2.1"), k.delete("f2bt-e4", "192.0.2.1"))
    batch = [("10.0.%d.%d" % (i >> 8, i & 255), 50) for i in range(2 * BATCH + 5)]
    out["refused"] = k.add_many("f2bt-e4", batch)
    out["count"] = k.info("f2bt-e4").elements
    k.add("f2bt-n6", "2001:db8::/32", 60)
    k.add_many("f2bt-n6", [("2001:db8:1::/48", 60, True), ("2001:db8:2::1", 60)])
    out["n6"] = k.members("f2bt-n6")
    out["n6saved"] = _ipset("save", "f2bt-n6")
    for bad in (("f2bt-e4", "not-an-ip", 5), ("f2bt-e4", "192.0.2.9", TIMEOUT_MAX + 1)):
        try:
            k.add(*bad)
        except ValueError as e:
            out.setdefault("valueerrors", []).append(str(e))
    try:
        k.add("f2bt-absent", "192.0.2.9", 5)
    except IpsetError as e:
        out["gone"] = (e.gone, str(e))
    k.create("f2bt-tiny", SetSpec("hash:ip", 4, 1))
    k.add("f2bt-tiny", "192.0.2.1", 60)
    try:
        k.add("f2bt-tiny", "192.0.2.2", 60)
    except IpsetError as e:
        out["full"] = (e.full, str(e))
    out["refused_full"] = k.add_many("f2bt-tiny", [("192.0.2.3", 60)])
    k.flush("f2bt-e4")
    out["flushed"] = k.members("f2bt-e4")
    for name in ("f2bt-e4", "f2bt-n6", "f2bt-tiny"):
        k.destroy(name)
    k.close()
    return out


def test_entries_with_timeouts_nomatch_batches_and_errors(nsworker):
    out = nsworker.apply(scenario_entries)
    m = out["members"]
    assert 95 <= m["192.0.2.1"].timeout <= 100 and not m["192.0.2.1"].nomatch
    assert m["192.0.2.2"] == Member(0, False)                  # permanent
    assert 595 <= m["192.0.2.3"].timeout <= 600                # the set's default
    assert m["192.0.2.4"].timeout > TIMEOUT_MAX - 10
    assert "add f2bt-e4 192.0.2.2 timeout 0" in out["saved"]   # what the ipset tool reads back
    assert out["deleted"] == (True, False)
    assert out["refused"] == [] and out["count"] == 2 * BATCH + 5 + 3
    assert out["n6"]["2001:db8:1::/48"].nomatch and not out["n6"]["2001:db8::/32"].nomatch
    assert out["n6"]["2001:db8:2::1"].nomatch is False
    assert "add f2bt-n6 2001:db8:1::/48 timeout" in out["n6saved"] and "nomatch" in out["n6saved"]
    assert any("not an IP address" in e for e in out["valueerrors"])
    assert any("out of range" in e for e in out["valueerrors"])
    assert out["gone"] == (True, "ipset f2bt-absent does not exist")
    assert out["full"] == (True, "ipset f2bt-tiny is full (maxelem reached)")
    assert out["refused_full"] == [("192.0.2.3", 60)]
    assert out["flushed"] == {}


def scenario_unprivileged():
    os.setgid(65534)
    os.setuid(65534)
    try:
        Ipset().info("f2bt-x")
    except IpsetError as e:
        return str(e)


def test_no_privilege_is_one_clear_error(as_root):
    with netns_pool("f2bt-kernel-np") as pool:
        msg = pool.apply(scenario_unprivileged)
    assert msg is not None and "not permitted (needs root / CAP_NET_ADMIN)" in msg


def test_bad_set_name_is_a_value_error():
    with pytest.raises(ValueError, match="bad ipset name"):
        Ipset()._name("x" * 32)
