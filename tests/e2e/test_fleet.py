"""End to end: a ban on host A reaches host B through a real CrowdSec LAPI and is enforced there.

Two fail2ban-servers in network namespaces (f2bt19-a, f2bt19-b) and Debian's crowdsec LAPI in a
third (f2bt19-l).  Skipped, saying why, when crowdsec is not installed.
"""
import re
import time

import pytest

from tests.e2e.fleet_lab import (ATTACKER, ATTACKER6, B6, BAD_JAIL, BANTIME, FRIEND, JAIL, FleetLab, tail,
                                 wait)
from tests.fleet.lapi_lab import skip_unless_installed

FLEET_SET, FLEET_SET6 = "f2bt-f2bt19", "f2bt6-f2bt19"


@pytest.fixture
def fleet(tmp_path, as_root):
    skip_unless_installed()
    for tool in ("fail2ban-client", "ipset", "iptables", "ip6tables"):
        import shutil
        if not shutil.which(tool):
            pytest.skip("%s not installed" % tool)
    lab = FleetLab(str(tmp_path))
    try:
        lab.up(bad=True)
        lab.a.start()
        lab.b.start()
        lab.b.start_puller()
        yield lab
    finally:
        lab.down()


def ban_time(host, ip):
    """Epoch of fail2ban's "Ban <ip>" line in ``host``'s log."""
    with open(host.log) as f:
        for line in f:
            if re.search(r"\] Ban %s$" % re.escape(ip), line.rstrip()):
                stamp = line[:23]
                return time.mktime(time.strptime(stamp[:19], "%Y-%m-%d %H:%M:%S")) + int(stamp[20:23]) / 1000.0
    return None


def test_a_ban_on_one_host_is_enforced_on_the_other(fleet):
    lab = fleet
    a, b = lab.a, lab.b
    assert lab.probe(ATTACKER) == "refused"

    # 1. a flood on A: banned there, then blocked on B (how soon: benchmarks/bench_fleet.py)
    a.fail(ATTACKER)
    wait(lambda: ATTACKER in a.banned(), 30, "ban on A\n" + tail(a.log))
    banned_at = wait(lambda: ban_time(a, ATTACKER), 5, "Ban line in A's log")
    wait(lambda: ATTACKER in b.ipset(FLEET_SET), 30, "block on B after the ban on A\n"
         + tail(b.pull_log) + tail(a.log))
    assert lab.probe(ATTACKER) == "dropped"

    # 2. durations match: B's kernel timeout is what A's ban has left (apart by at most the
    # time between the two reads and whole-second rounding; the ban's start is A's log line)
    read_at = time.time()
    left_a = a.banned()[ATTACKER]
    left_b = b.ipset(FLEET_SET)[ATTACKER]
    assert abs(left_a - left_b) <= (time.time() - read_at) + 2.5, (left_a, left_b)
    assert BANTIME - (time.time() - banned_at) - 2 <= left_b <= BANTIME

    # 3. an unban on A lifts B
    a.f2b("unban", ATTACKER)
    wait(lambda: ATTACKER not in b.ipset(FLEET_SET), 10, "unblock on B after the unban on A\n" + tail(a.log))
    assert lab.probe(ATTACKER) == "refused"
    assert [d for d in lab.db("SELECT value FROM decisions WHERE value = ? AND julianday(until) > julianday('now')",
                              (ATTACKER,))] == []

    # 4. an address in B's ignoreip, banned on A, is never blocked on B; IPv6 works alike
    a.fail(FRIEND)
    a.f2b("set", JAIL, "banip", ATTACKER6)
    wait(lambda: ATTACKER6 in b.ipset(FLEET_SET6), 10, "IPv6 block on B")
    assert FRIEND in a.banned()
    assert FRIEND not in b.ipset(FLEET_SET)
    assert lab.probe(FRIEND) == "refused"
    assert lab.probe(ATTACKER6, dst=B6) == "dropped"


def test_bans_made_while_the_lapi_is_down_arrive_once(fleet):
    lab = fleet
    a, b = lab.a, lab.b
    ips = ["10.19.2.%d" % k for k in range(100, 110)]
    lab.lapi.stop()
    for ip in ips:
        a.f2b("set", JAIL, "banip", ip)
    # local bans do not wait for the network
    wait(lambda: all(ip in a.ipset("f2bt-f2bt19s") for ip in ips), 10, "local bans on A while the LAPI is down")
    wait(lambda: a.errors("f2btune-crowdsec: .*unreachable"), 15, "one push error on A\n" + tail(a.log))
    # a restart of A's fail2ban while the LAPI is down: its bans come back from fail2ban's database
    a.f2b("restart")
    wait(lambda: all(ip in a.banned() for ip in ips), 30, "bans restored on A")
    lab.lapi.start()
    wait(lambda: all(ip in b.ipset(FLEET_SET) for ip in ips), 60, "queued bans on B after the LAPI is back\n"
         + tail(a.log))
    # nothing doubled, even after another restart of A
    a.f2b("restart")
    wait(lambda: all(ip in a.banned() for ip in ips), 30, "bans restored on A again")
    a.f2b("set", JAIL, "banip", ATTACKER)
    wait(lambda: ATTACKER in b.ipset(FLEET_SET), 10, "a later ban on B")
    for ip in ips:
        assert len(lab.alerts(ip)) == 1, (ip, lab.alerts(ip))


def test_wrong_credentials_one_clear_error_and_the_local_ban_stands(fleet):
    lab = fleet
    a = lab.a
    a.f2b("set", BAD_JAIL, "banip", "10.19.2.120")
    wait(lambda: "10.19.2.120" in a.ipset("f2bt-f2bt19x"), 10, "local ban with bad credentials")
    wait(lambda: a.errors("refused machine 'hosta'"), 15, "the credentials error\n" + tail(a.log))
    a.f2b("set", BAD_JAIL, "banip", "10.19.2.121")
    wait(lambda: "10.19.2.121" in a.ipset("f2bt-f2bt19x"), 10, "second local ban")
    # the good jail still pushes meanwhile
    a.f2b("set", JAIL, "banip", ATTACKER)
    wait(lambda: ATTACKER in lab.b.ipset(FLEET_SET), 10, "the good jail's ban on B")
    errors = a.errors("f2btune-crowdsec")
    assert len(errors) == 1, errors
    assert "check machine_id/password" in errors[0]
    assert lab.alerts("10.19.2.120") == []
