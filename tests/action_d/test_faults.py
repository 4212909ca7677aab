"""Fault injection: protection that restores itself.  A real fail2ban-server bans with
f2btune-ipset.py (checkinterval = 1 s) in a victim namespace; each test breaks the kernel side
the way a firewall reload, an admin or a crash does, and asserts with real packets that the
banned sources are dropped again (polled with a deadline, never a fixed sleep), that every ban
is back with the time fail2ban has left, and that nothing else changed.

Each test prints the measured gap ("enforcement missing for ..."): run with -s to see them.
F2BTUNE_IPSET_ACTION_FILE=<another f2btune-ipset.py> runs the same faults against that file.
"""
import os
import shutil
import signal
import stat
import time

import pytest

from tests.action_d.faultlab import BYSTANDER_SET, EXTRA4, SETS, FaultLab, ours
from tests.e2e.conftest import ATTACKER4, ATTACKER6, FRIEND4, VICTIM4


def _lab(tmp_path, leftover=(), **options):
    for tool in ("fail2ban-client", "ipset", "iptables", "ip6tables", "nft"):
        if not shutil.which(tool):
            pytest.skip("%s not installed" % tool)
    lab = FaultLab(str(tmp_path), **options)
    try:
        lab.up(leftover)
        yield lab
    finally:
        lab.down()


@pytest.fixture
def lab(tmp_path, as_root):
    for value in _lab(tmp_path):
        yield value


def _banned_and_enforced(lab, *sources):
    lab.start()
    for ip in sources:
        lab.f2b("set", "f2btune-synflood", "banip", ip)
    lab.wait_dropped(0, *sources)
    assert lab.probe(VICTIM4, FRIEND4) == "refused"


def _report(fault, gap):
    print("\nenforcement missing for at most %.1f s after: %s" % (gap, fault))


def _without_filter_rules(state, families=("4", "6"), tables=("filter",)):
    return {"rules": set(r for r in state["rules"] if ours(r) or not (r[0] in families and r.split()[1] in tables)),
            "sets": state["sets"]}


FIREWALL_FAULTS = [
    # (the fault, shell commands, what the fault itself does to other people's objects)
    ("iptables -F", "iptables -w -F", lambda s: _without_filter_rules(s, ("4",))),
    ("nft flush ruleset", "nft flush ruleset",
     lambda s: _without_filter_rules(s, tables=("filter", "mangle"))),
    ("ipset destroy after the rules are flushed",
     # a check between the flush and the destroy re-inserts the rules (the set is then in use): again
     "for i in 1 2 3 4 5; do iptables -w -F; ip6tables -w -F; ipset destroy %s 2>/dev/null; "
     "ipset destroy %s 2>/dev/null && ! ipset list -n | grep -q '^%s$' && break; done" % (SETS + SETS[:1]),
     _without_filter_rules),
    ("ipset flush", "ipset flush",
     lambda s: {"rules": s["rules"], "sets": dict(s["sets"], **{BYSTANDER_SET: (s["sets"][BYSTANDER_SET][0], set())})}),
]


@pytest.mark.parametrize("fault, command, effect", FIREWALL_FAULTS, ids=[f[0] for f in FIREWALL_FAULTS])
def test_firewall_faults_are_repaired_within_a_check_interval(lab, fault, command, effect):
    _banned_and_enforced(lab, ATTACKER4, ATTACKER6)
    before = lab.snapshot()
    t = time.time()
    lab.sh(command)
    _report(fault, lab.wait_dropped(t, ATTACKER4, ATTACKER6))
    lab.wait(lambda: lab.snapshot() == effect(before), 10, "the state from before the fault")
    assert lab.timeouts_match_fail2ban() == []
    assert lab.probe(VICTIM4, FRIEND4) == "refused"
    assert lab.log("ERROR") == []


@pytest.fixture
def failing_ip6tables(tmp_path, as_root):
    path = str(tmp_path / "ip6tables")
    with open(path, "w") as f:
        f.write("#!/bin/sh\necho 'ip6tables: IPv6 is disabled on this host' >&2\nexit 3\n")
    os.chmod(path, stat.S_IRWXU)
    for value in _lab(tmp_path, ip6tables=path):
        yield value


def test_failing_ip6tables_is_one_error_and_ipv4_is_enforced(failing_ip6tables):
    lab = failing_ip6tables
    lab.start()
    lab.f2b("set", "f2btune-synflood", "banip", ATTACKER6)
    lab.f2b("set", "f2btune-synflood", "banip", ATTACKER4)
    lab.wait_dropped(0, ATTACKER4)
    lab.wait(lambda: len(lab.log("ERROR")) >= 1, 10, "the error")
    errors = lab.log("ERROR")
    assert len(errors) == 1, errors
    assert "IPv6 bans are NOT enforced" in errors[0] and "IPv6 is disabled on this host" in errors[0]
    assert lab.timeouts_match_fail2ban() == [(ATTACKER6, None, pytest.approx(600, abs=5))]
    assert lab.probe(VICTIM4, FRIEND4) == "refused"


LEFTOVER_EMPTY = ("ipset create %s hash:net maxelem 1000 timeout 60" % SETS[0],)
LEFTOVER_HELD = LEFTOVER_EMPTY + ("ipset add %s 198.51.100.0/24" % SETS[0],)


@pytest.fixture
def leftover_lab(tmp_path, as_root, request):
    for value in _lab(tmp_path, leftover=request.param):
        yield value


@pytest.mark.parametrize("leftover_lab", [LEFTOVER_EMPTY], indirect=True)
def test_an_empty_leftover_set_with_other_settings_is_replaced(leftover_lab):
    lab = leftover_lab
    _banned_and_enforced(lab, ATTACKER4, ATTACKER6)
    assert lab.snapshot()["sets"][SETS[0]][0] == "hash:ip family inet maxelem 65536 timeout 600 bucketsize 12"
    assert any("replaced the empty leftover ipset f2bt-synflood (it was hash:net" in w for w in lab.log("WARNING"))
    assert lab.timeouts_match_fail2ban() == []


@pytest.mark.parametrize("leftover_lab", [LEFTOVER_HELD], indirect=True)
def test_a_leftover_set_holding_entries_is_one_error_naming_the_fix(leftover_lab):
    lab = leftover_lab
    lab.start()
    lab.f2b("set", "f2btune-synflood", "banip", ATTACKER4)
    lab.f2b("set", "f2btune-synflood", "banip", ATTACKER6)
    lab.wait_dropped(0, ATTACKER6)               # the other family is enforced meanwhile
    errors = lab.log("ERROR")
    assert len(errors) == 1, errors
    assert ("IPv4 bans are NOT enforced: ipset f2bt-synflood exists as hash:net family inet maxelem 1000 "
            "timeout, not hash:ip family inet maxelem 65536 timeout and holds 1 entries" in errors[0])
    assert "destroy it (ipset destroy f2bt-synflood" in errors[0]
    assert lab.probe(VICTIM4, ATTACKER4) == "refused"
    t = time.time()
    lab.sh("ipset destroy %s" % SETS[0])          # the fix the error names
    _report("the admin destroyed a leftover set", lab.wait_dropped(t, ATTACKER4))
    assert lab.timeouts_match_fail2ban() == []
    assert len(lab.log("ERROR")) == 1


@pytest.fixture
def small_lab(tmp_path, as_root):
    for value in _lab(tmp_path, maxelem="2"):
        yield value


def test_a_full_set_is_one_error_and_the_queued_ban_is_applied_when_there_is_room(small_lab):
    lab = small_lab
    _banned_and_enforced(lab, *EXTRA4)
    lab.f2b("set", "f2btune-synflood", "banip", ATTACKER4)
    lab.wait(lambda: lab.log("ERROR"), 10, "the error")
    assert lab.probe(VICTIM4, ATTACKER4) == "refused"
    assert "Currently banned:\t3" in lab.f2b("status", "f2btune-synflood")     # fail2ban keeps running
    t = time.time()
    lab.f2b("set", "f2btune-synflood", "unbanip", EXTRA4[0])
    _report("a full set got room (unban)", lab.wait_dropped(t, ATTACKER4))
    assert lab.timeouts_match_fail2ban() == []
    errors = lab.log("ERROR")
    assert len(errors) == 1 and "ipset f2bt-synflood is full (maxelem 2)" in errors[0], errors


def test_kill_9_of_the_server_then_restart_keeps_every_ban_with_its_remaining_time(lab):
    _banned_and_enforced(lab, ATTACKER4, ATTACKER6)
    before = lab.snapshot()
    with open(lab.pidfile) as f:
        pid = int(f.read().strip())
    os.kill(pid, signal.SIGKILL)
    lab.wait(lambda: not os.path.exists("/proc/%d" % pid) or
             open("/proc/%d/stat" % pid).read().split()[2] == "Z", 10, "the server to die")
    # the sets and rules outlive the server: no gap while it is down, none after the restart
    assert lab.dropped(ATTACKER4, ATTACKER6), "bans must stay enforced while the server is down"
    lab.f2b("-x", "start")       # -x: the dead server's socket file is still there
    lab.wait(lambda: "Currently banned:\t2" in lab.f2b("status", "f2btune-synflood", check=False), 30,
             "the restored bans")
    assert lab.dropped(ATTACKER4, ATTACKER6)
    lab.wait(lambda: lab.timeouts_match_fail2ban() == [], 10, "restored bans with their remaining time")
    assert lab.snapshot() == before
    assert lab.probe(VICTIM4, FRIEND4) == "refused"
