"""action.d/f2btune-tolerance.py: loaded by fail2ban's own Actions on a real Jail with the real
f2btune-sshd filter; lines go through fail2ban's processLineAndAdd (stock backends) or the
f2btune backend's batches.  Time is driven with fail2ban's MyTime."""
import os

import pytest

from f2btune import f2b
from tests.conftest import ROOT

ACTION = os.path.join(ROOT, "action.d", "f2btune-tolerance.py")
FILTER = os.path.join(ROOT, "filter.d", "f2btune-sshd.conf")
T0 = 1700000000.0
A, B = "192.0.2.10", "198.51.100.7"


@pytest.fixture
def clock():
    f2b.ensure_importable()
    from fail2ban.server.mytime import MyTime
    MyTime.setTime(T0)
    yield MyTime
    MyTime.setTime(None)


class Rig(object):
    """A jail with the action started (its Actions thread is not run: bans stay queued)."""

    def __init__(self, backend, opts=None, db=None, name="tol18"):
        from fail2ban.server.jail import Jail
        if backend == "f2btune":
            from f2btune.backend.register import register
            register()
        self.jail = Jail(name, backend=backend, db=db)
        self.flt = flt = self.jail.filter
        f2b.apply_filter_commands(flt, f2b.filter_commands(FILTER))
        flt.setMaxRetry(5)
        flt.setFindTime(600)
        flt.setUseDns("no")
        flt.inOperation = True
        flt.sleeptime = 0
        self.backend = backend
        self.jail.actions.add("f2btune-tolerance", ACTION, dict(opts or {"time": "1h", "factor": "5"}))
        self.action = self.jail.actions["f2btune-tolerance"]
        self.pid = 1000
        self.banned = []

    def line(self, text, pid=None):
        from fail2ban.server.mytime import MyTime
        self.pid += 1
        stamp = MyTime.time2str(MyTime.time(), "%b %d %H:%M:%S")
        raw = "%s host sshd[%d]: %s" % (stamp, pid or self.pid, text)
        if self.backend == "f2btune":
            self.flt.process_raw_lines([raw.encode()])
        else:
            self.flt.processLineAndAdd(raw)
        while True:                     # queued bans, as the actions thread would run them
            t = self.jail.getFailTicket()
            if not t:
                break
            self.banned.append(str(t.getID()))
            self.action.ban({"ip": t.getID()})
        # bans the f2btune backend ran at once (promptban): fail2ban's Actions called ban()
        self.banned += [str(ip) for ip in self.jail.actions.banManager.getBanList() if str(ip) not in self.banned]

    def success(self, user="alice", ip=A, method="password"):
        self.line("Accepted %s for %s from %s port 50022 ssh2" % (method, user, ip))

    def fail(self, user="alice", ip=A, n=1, invalid=False):
        for _ in range(n):
            self.line("Failed password for %s%s from %s port 50022 ssh2" % ("invalid user " if invalid else "", user, ip))


BACKENDS = ("polling", "f2btune")


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_tolerated_account_weighs_one_fifth(clock, backend):
    r = Rig(backend)
    r.success()
    r.fail(n=24)
    assert r.banned == []
    r.fail()
    assert r.banned == [A]
    # the ban ended the tolerance: the next success is needed again
    assert r.action.tolerated == []
    assert r.flt.getMaxRetry() == 5 and r.flt.failManager.getMaxRetry() == 25


@pytest.mark.parametrize("backend", BACKENDS)
def test_other_accounts_count_in_full(clock, backend):
    r = Rig(backend)
    r.success()
    r.fail(n=20)
    assert r.banned == []
    r.fail("root")                      # 20/5 + 1 = 5
    assert r.banned == [A]
    r2 = Rig(backend, name="tol18b")
    r2.success()
    r2.fail(n=4)
    r2.fail("root", n=4)                # 4/5 + 4 = 4.8
    assert r2.banned == []
    r2.fail("nobody", invalid=True)     # a non-existent account: 1
    assert r2.banned == [A]


def test_each_account_that_logged_in_is_tolerated(clock):
    r = Rig("polling")
    r.success("alice")
    r.success("bob")                    # a second person behind the same address
    assert [e[:2] for e in r.action.tolerated] == [[A, "alice"], [A, "bob"]]
    r.fail("alice", n=20)
    r.fail("bob", n=4)                  # 4 + 0.8
    assert r.banned == []
    r.fail("root")
    assert r.banned == [A]
    assert r.action.tolerated == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_without_a_success_five_ban(clock, backend):
    r = Rig(backend)
    r.success(ip=B)
    r.fail(n=4)
    assert r.banned == []
    r.fail()
    assert r.banned == [A]


@pytest.mark.parametrize("backend", BACKENDS)
def test_forged_successes_grant_nothing(clock, backend):
    r = Rig(backend)
    # user names are attacker text: none of these is a success line
    r.fail("alice from %s" % A, invalid=True)
    r.line("Invalid user Accepted password for alice from %s port 1 from %s port 22" % (A, A))
    r.line("Failed password for invalid user x Accepted publickey for alice from %s port 1 ssh2 from %s port 2 ssh2"
           % (A, A))
    r.line("message repeated 2 times: [ Failed password for invalid user ] Accepted password for alice from %s "
           "port 1 ssh2 from %s port 2 ssh2]" % (A, A))
    assert r.action.tolerated == []
    r.fail(n=1)
    assert r.banned == [A]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_connection_that_tried_another_account_first_gains_nothing(clock, backend):
    r = Rig(backend)
    r.line("Failed password for root from %s port 50022 ssh2" % A, pid=77)
    r.line("Accepted password for alice from %s port 50022 ssh2" % A, pid=77)
    assert r.action.tolerated == []


def test_tolerance_expires_and_failures_before_the_success_count_in_full(clock):
    r = Rig("polling")
    r.fail(n=2)
    clock.setTime(T0 + 10)
    r.success(method="keyboard-interactive/pam")
    assert [e[:3] for e in r.action.tolerated] == [[A, "alice", T0 + 10 + 3600]]
    r.fail(n=10)                        # 2 + 10/5 = 4
    assert r.banned == []
    clock.setTime(T0 + 10 + 3600)
    assert r.action.tolerated == []
    r.fail()                            # expired: counts 1 (the older ones left findtime)
    r.fail(n=3)
    assert r.banned == []
    r.fail()
    assert r.banned == [A]


def test_ipv6_prefix_tolerates_the_network(clock):
    r = Rig("polling", {"time": "1h", "prefix6": "64"})
    r.success(ip="2001:db8:1:2::aaaa")
    assert [e[0] for e in r.action.tolerated] == ["2001:db8:1:2::/64"]
    r.fail(ip="2001:db8:1:2::bbbb", n=24)
    assert r.banned == []
    r.fail(ip="2001:db8:1:3::1", n=5)
    assert r.banned == ["2001:db8:1:3::1"]
    assert r.action.revoke("2001:db8:1:2::1") is True
    assert r.action.tolerated == []
    # an IPv4-mapped address is the IPv4 address, as fail2ban's failure id is
    r.success(ip="::ffff:192.0.2.99")
    assert [e[0] for e in r.action.tolerated] == ["192.0.2.99"]
    r.fail(ip="192.0.2.99", n=24)
    assert r.banned == ["2001:db8:1:3::1"]


def test_a_success_does_not_lift_a_ban_unless_asked(clock):
    for unban, lifted in (("false", False), ("true", True)):
        r = Rig("polling", {"unban": unban}, name="tol18u" + unban)
        from fail2ban.server.ipdns import IPAddr
        r.jail.actions.addBannedIP(A)
        r.jail.actions._Actions__checkBan()     # the actions thread's step: the ban is in place
        assert IPAddr(A) in r.jail.actions.banManager.getBanList()
        r.success()
        assert (IPAddr(A) not in r.jail.actions.banManager.getBanList()) is lifted
        assert bool(r.action.tolerated) is lifted


def test_tolerance_survives_a_restart_beside_the_database(clock, tmp_path):
    from fail2ban.server.database import Fail2BanDb
    db = Fail2BanDb(str(tmp_path / "f2b.sqlite3"))
    r = Rig("polling", db=db)
    r.success()
    r.action.stop()
    store = tmp_path / "f2btune-tolerance.tol18.json"
    assert store.exists() and oct(store.stat().st_mode & 0o777) == "0o600"
    r2 = Rig("polling", db=db, name="tol18")
    assert [e[:2] for e in r2.action.tolerated] == [[A, "alice"]]
    r2.fail(n=24)
    assert r2.banned == []
    clock.setTime(T0 + 3600)            # expired entries are purged when read
    r3 = Rig("polling", db=db, name="tol18")
    assert r3.action.tolerated == []


def test_stop_restores_the_jail(clock):
    r = Rig("polling")
    r.action.stop()
    assert r.flt.failManager.getMaxRetry() == 5
    assert "addFailure" not in r.flt.failManager.__dict__


@pytest.mark.parametrize("opts, message", [
    ({"tme": "1d"}, "unknown parameter tme"),
    ({"time": "soon"}, "time = 'soon': not a time"),
    ({"time": "0"}, "must be positive"),
    ({"factor": "0"}, "factor = '0': an integer from 1"),
    ({"factor": "2.5"}, "factor"),
    ({"prefix6": "32"}, "prefix6"),
    ({"unban": "maybe"}, "unban = 'maybe': true or false"),
])
def test_bad_parameters_are_refused_with_one_clear_message(opts, message):
    f2b.ensure_importable()
    from fail2ban.server.jail import Jail
    with pytest.raises(ValueError, match=message):
        Jail("tol18bad", backend="polling").actions.add("f2btune-tolerance", ACTION, opts)


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_sample_log_grants_only_real_clean_successes(clock, backend):
    """f2btune-sshd's sample log (fail2ban's sshd samples plus injections): the connections that
    tried other users before their success (gh-2070's intruders, 192.0.2.114/116) and every
    address carried in attacker text (198.51.100.x) gain nothing."""
    r = Rig(backend, {"time": "100000d"})
    r.flt.setFindTime(10 ** 10)
    r.flt.checkFindTime = False
    with open(os.path.join(ROOT, "tests", "files", "logs", "f2btune-sshd"), errors="replace") as f:
        lines = [x.rstrip("\n") for x in f if x.strip() and not x.startswith("#")]
    for x in lines:
        if backend == "f2btune":
            r.flt.process_raw_lines([x.encode()])
        else:
            r.flt.processLineAndAdd(x)
    assert sorted((e[0], e[1]) for e in r.action.tolerated) == [
        ("192.0.2.1", "git"), ("192.0.2.113", "rda"), ("192.0.2.35", "pi"), ("192.0.2.41", "pi"),
        ("192.0.2.47", "alice")]


def test_an_unreadable_store_is_loud_and_starts_empty(clock, tmp_path, caplog):
    from fail2ban.server.database import Fail2BanDb
    db = Fail2BanDb(str(tmp_path / "f2b.sqlite3"))
    (tmp_path / "f2btune-tolerance.tol18.json").write_text('{"version": 1, "entries": {"192.0.2.10": [1, 2]}}')
    r = Rig("polling", db=db)
    assert r.action.tolerated == []
    assert "cannot read" in caplog.text
    r.success()                         # and the next grant rewrites it
    assert [e[:2] for e in Rig("polling", db=db, name="tol18").action.tolerated] == [[A, "alice"]]


def test_a_reload_keeps_the_tolerance_and_takes_new_parameters(clock):
    r = Rig("polling")
    r.success()
    acts = r.jail.actions
    acts.reload(True)                   # fail2ban-client reload: the stream, then the end of reload
    r.flt.setMaxRetry(5)
    acts.add("f2btune-tolerance", ACTION, {"time": "1h", "factor": "2"}, reload=True)
    acts.reload(False)
    assert acts["f2btune-tolerance"] is r.action
    assert r.flt.getMaxRetry() == 5 and r.flt.failManager.getMaxRetry() == 10
    assert [e[:2] for e in r.action.tolerated] == [[A, "alice"]]
    r.fail(n=9)                         # 9/2
    assert r.banned == []
    r.fail()
    assert r.banned == [A]
