"""action.d/f2btune-ipset.py: loaded by fail2ban's own Actions, driven with real BanTickets,
against real ipsets and iptables rules inside a throw-away network namespace.

Kernel timeouts are checked as relations to the clock read around each step (a ban ending at
``end``, added at or after ``before`` and read back by ``after``, has between
``end - after - 1`` and ``end - before`` seconds left), never against fixed slack.
"""
import logging
import math
import os
import subprocess
import time

import pytest

from f2btune import f2b
from tests.conftest import ROOT, netns_pool

ACTION = os.path.join(ROOT, "action.d", "f2btune-ipset.py")


def left_ok(value, end, before, after):
    """A kernel timeout read by ``after`` for a ban ending at ``end``, added at/after ``before``."""
    return math.floor(end - after) - 1 <= value <= math.ceil(end - before)


# -- loading ---------------------------------------------------------------------------------

def test_bad_parameters_are_refused_when_the_jail_loads():
    f2b.ensure_importable()
    from fail2ban.server.jail import Jail
    jail = Jail("b4bad", backend="polling")
    with pytest.raises(ValueError, match="maxelem must be an integer"):
        jail.actions.add("f2btune-ipset", ACTION, {"maxelem": "lots"})


def test_a_server_that_cannot_import_f2btune_gets_one_error_naming_the_fix(tmp_path):
    python = "/usr/bin/python3"
    probe = subprocess.run([python, "-c", "import f2btune"], cwd=str(tmp_path), env={"PATH": os.defpath},
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if not os.path.exists(python) or probe.returncode == 0:
        pytest.skip("%s imports an installed f2btune" % python)
    code = ("import sys; sys.path.append('%s')\n"
            "from fail2ban.server.actions import Actions\n"
            "Actions._load_python_module(sys.argv[1])\n" % f2b.DEBIAN_DIST_PACKAGES)
    p = subprocess.run([python, "-c", code, ACTION], cwd=str(tmp_path), env={"PATH": os.defpath},
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    last = p.stdout.strip().splitlines()[-1]
    assert p.returncode == 1
    assert last.startswith("ImportError: f2btune-ipset.py needs the f2btune Python package, which "
                           "%s (running fail2ban-server) cannot import: install the fail2ban-f2btune "
                           "Debian package" % python), last


# -- kernel scenarios: each runs in a worker process inside the namespace --------------------

def _saved(setname):
    """{ip: timeout} of a set, from `ipset save` (inside the worker's namespace)."""
    out = subprocess.run(["ipset", "save", setname], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, universal_newlines=True).stdout
    entries = {}
    for line in out.splitlines():
        parts = line.split()
        if parts[:1] == ["add"]:
            t = int(parts[parts.index("timeout") + 1]) if "timeout" in parts else None
            entries[parts[2]] = t
    return entries


def _rules(binary):
    return subprocess.run([binary, "-w", "-S"], stdout=subprocess.PIPE,
                          universal_newlines=True).stdout


class _Records(logging.Handler):
    def __init__(self):
        logging.Handler.__init__(self, logging.INFO)
        self.lines = []
        logger = logging.getLogger("fail2ban")
        logger.setLevel(logging.INFO)   # whatever level earlier tests in this process left behind
        logger.addHandler(self)

    def emit(self, record):
        self.lines.append((record.levelname, record.getMessage()))

    def at(self, name):
        return [m for lvl, m in self.lines if lvl == name]


def _jail(jailname, opts, bantime=600):
    f2b.ensure_importable()
    from fail2ban.server.jail import Jail
    jail = Jail(jailname, backend="polling")
    jail.actions.setBanTime(bantime)
    jail.actions.add("f2btune-ipset", ACTION, opts)
    return jail, jail.actions["f2btune-ipset"]


def _ticket(jail, ip, start, bantime, restored=False):
    from fail2ban.server.ticket import BanTicket
    t = BanTicket(ip, start)
    t.setBanTime(bantime)
    t.restored = restored
    return t, jail.actions._getActionInfo(t)


def _pending(action):
    return sorted(ip for f in action.families.values() for ip in f.pending)


def _wait(cond, timeout=30.0):
    """Poll ``cond`` until it returns something true, or give up after ``timeout`` s."""
    end = time.time() + timeout
    while True:
        value = cond()
        if value or time.time() > end:
            return value
        time.sleep(0.05)


def scenario_ban_unban(opts):
    log = _Records()
    jail, action = _jail("b4ban", opts)
    action.start()
    out = {"rules4": _rules("iptables"), "rules6": _rules("ip6tables")}
    out["before"] = now = time.time()
    for ip, start, bantime in (("192.0.2.10", now, 600), ("2001:db8::10", now - 100, 600),
                               ("192.0.2.11", now, -1), ("192.0.2.12", now, 10 ** 9)):
        action.ban(_ticket(jail, ip, start, bantime)[1])
    out["v4"], out["v6"] = _saved("f2bt-b4ban"), _saved("f2bt6-b4ban")
    out["after"] = time.time()
    action.unban(_ticket(jail, "192.0.2.10", now, 600)[1])
    action.unban(_ticket(jail, "2001:db8::10", now - 100, 600)[1])
    out["v4_after"], out["v6_after"] = _saved("f2bt-b4ban"), _saved("f2bt6-b4ban")
    action.start()      # a second start must not duplicate the hook rules
    out["rules4_twice"] = _rules("iptables")
    action.stop()
    out["rules4_stopped"], out["rules6_stopped"] = _rules("iptables"), _rules("ip6tables")
    out["sets_stopped"] = subprocess.run(["ipset", "list", "-n"], stdout=subprocess.PIPE,
                                         universal_newlines=True).stdout
    out["errors"] = log.at("ERROR")
    return out


def test_ban_unban_ipv4_ipv6_permanent_and_capped(nsworker):
    out = nsworker.apply(scenario_ban_unban, ({"port": "22,80"},))
    assert out["errors"] == []
    hook4 = "-A INPUT -p tcp -m multiport --dports 22,80 -m set --match-set f2bt-b4ban src -j DROP"
    assert hook4 in out["rules4"]
    assert "--match-set f2bt6-b4ban src -j DROP" in out["rules6"]
    assert out["rules4_twice"].count("f2bt-b4ban") == 1
    t0, t1 = out["before"], out["after"]
    assert left_ok(out["v4"]["192.0.2.10"], t0 + 600, t0, t1)
    assert left_ok(out["v6"]["2001:db8::10"], t0 + 500, t0, t1)         # remaining time, not bantime
    assert out["v4"]["192.0.2.11"] == 0                                   # permanent
    assert left_ok(out["v4"]["192.0.2.12"], t1 + 2147483, t1, t1)       # capped
    assert "192.0.2.10" not in out["v4_after"] and "2001:db8::10" not in out["v6_after"]
    assert "f2bt-b4ban" not in out["rules4_stopped"] and "f2bt6-b4ban" not in out["rules6_stopped"]
    assert "f2bt" not in out["sets_stopped"]


def scenario_restore_and_prolong(count):
    jail, action = _jail("b4rst", {})
    action.start()
    out = {"before": time.time()}
    # restored bans: started 400 s ago with a 600 s ban -> ~200 s left
    for i in range(count):
        ip = "10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255)
        action.ban(_ticket(jail, ip, out["before"] - 400, 600, restored=True)[1])
    action.ban(_ticket(jail, "2001:db8::77", out["before"] - 400, 600, restored=True)[1])
    # the bulk add runs RESTORE_DELAY after the last restored ban, on a timer thread
    out["v4"] = _wait(lambda: (lambda s: s if len(s) == count else None)(_saved("f2bt-b4rst")))
    out["v6"] = _wait(lambda: _saved("f2bt6-b4rst"))
    out["after"] = time.time()
    # prolong (bantime.increment): same ticket, longer bantime
    t, info = _ticket(jail, "192.0.2.50", time.time(), 60)
    action.ban(info)
    out["before_prolong"] = _saved("f2bt-b4rst")["192.0.2.50"]
    t.setBanTime(3600)
    out["t_prolong"] = time.time()
    action.prolong(jail.actions._getActionInfo(t))
    out["after_prolong"] = _saved("f2bt-b4rst")["192.0.2.50"]
    out["t_end"] = time.time()
    out["start"] = t.getTime()
    out["prolongable"] = action._prolongable
    action.stop()
    return out


def test_restored_bans_get_remaining_time_in_bulk_and_prolong_extends(nsworker):
    count = max(200, int(12000 * min(1.0, float(os.environ.get("F2BTUNE_TEST_SCALE", "1")))))
    out = nsworker.apply(scenario_restore_and_prolong, (count,))
    end = out["before"] + 200
    restored = [t for ip, t in out["v4"].items() if ip.startswith("10.")]
    assert len(restored) == count
    assert all(left_ok(t, end, out["before"], out["after"]) for t in restored), (min(restored), max(restored))
    assert left_ok(out["v6"]["2001:db8::77"], end, out["before"], out["after"])
    assert out["prolongable"] is True
    assert left_ok(out["before_prolong"], out["start"] + 60, out["start"], out["t_prolong"])
    assert left_ok(out["after_prolong"], out["start"] + 3600, out["start"], out["t_end"])


def scenario_full_set():
    log = _Records()
    jail, action = _jail("b4full", {"maxelem": "2", "checkinterval": "3600"})
    action.start()
    now = time.time()
    infos = [_ticket(jail, "192.0.2.%d" % i, now, 600)[1] for i in (1, 2, 3, 4)]
    for info in infos:
        action.ban(info)            # must not raise: the jail keeps running
    out = {"after_bans": _saved("f2bt-b4full"), "pending": _pending(action), "errors": log.at("ERROR")}
    action.unban(infos[0])          # room for one: the oldest queued ban goes in at once
    out["after_unban"] = _saved("f2bt-b4full")
    out["pending_after"] = _pending(action)
    action.unban(infos[1])
    out["drained"] = _saved("f2bt-b4full")
    out["warnings"] = log.at("WARNING")
    out["errors_after"] = log.at("ERROR")
    action.stop()
    return out


def test_full_set_is_one_error_naming_set_and_maxelem_and_the_queue_drains_on_unban(nsworker):
    out = nsworker.apply(scenario_full_set)
    assert sorted(out["after_bans"]) == ["192.0.2.1", "192.0.2.2"]
    assert out["pending"] == ["192.0.2.3", "192.0.2.4"]
    assert len(out["errors"]) == 1
    assert "ipset f2bt-b4full is full (maxelem 2)" in out["errors"][0] and "queued" in out["errors"][0]
    assert len(out["after_unban"]) == 2 and "192.0.2.1" not in out["after_unban"]
    assert len(out["pending_after"]) == 1
    assert sorted(out["drained"]) == ["192.0.2.3", "192.0.2.4"]
    assert any("has room again" in w for w in out["warnings"])
    assert out["errors_after"] == out["errors"]


def scenario_family_down(opts):
    log = _Records()
    jail, action = _jail("b4miss", opts)
    action.start()
    now = time.time()
    for ip in ("192.0.2.9", "192.0.2.10", "2001:db8::9"):
        action.ban(_ticket(jail, ip, now, 600)[1])
    action.check()
    action.check()
    out = {"pending": _pending(action), "ready": dict((f, a.ready) for f, a in action.families.items()),
           "v6": _saved("f2bt6-b4miss"), "rules6": _rules("ip6tables"), "errors": log.at("ERROR")}
    action.stop()
    return out


def test_a_family_that_cannot_start_is_one_error_and_the_other_family_works(nsworker):
    out = nsworker.apply(scenario_family_down, ({"iptables": "/nonexistent/iptables", "checkinterval": "3600"},))
    assert out["ready"] == {4: False, 6: True}
    assert out["pending"] == ["192.0.2.10", "192.0.2.9"]
    assert "2001:db8::9" in out["v6"] and "--match-set f2bt6-b4miss src -j DROP" in out["rules6"]
    assert len(out["errors"]) == 1, out["errors"]
    assert out["errors"][0].startswith("[b4miss] f2btune-ipset: IPv4 bans are NOT enforced: "
                                       "/nonexistent/iptables not found (install the iptables package)")
    assert "IPv6 bans are not affected" in out["errors"][0]


def scenario_unprivileged():
    os.setgid(65534)
    os.setuid(65534)            # nobody: no CAP_NET_ADMIN
    log = _Records()
    jail, action = _jail("b4perm", {"checkinterval": "3600"})
    action.start()
    action.ban(_ticket(jail, "192.0.2.8", time.time(), 600)[1])
    action.unban(_ticket(jail, "192.0.2.8", time.time(), 600)[1])
    out = {"ready": [f.ready for f in action.families.values()], "errors": log.at("ERROR")}
    action.stop()
    return out


def test_no_privilege_is_a_clear_error_not_a_crash(as_root):
    with netns_pool("f2bt-ban-unpriv") as pool:
        out = pool.apply(scenario_unprivileged)
    assert out["ready"] == [False, False]
    assert len([e for e in out["errors"] if "bans are NOT enforced" in e]) == 2, out["errors"]
    assert all("not permitted (needs root / CAP_NET_ADMIN)" in e for e in out["errors"][:2])


def scenario_refresh():
    jail, action = _jail("b4ref", {"refresh": "true", "port": "22"}, bantime=90)
    action.start()
    out = {"rules4": _rules("iptables"), "rules6": _rules("ip6tables")}
    # a natural expiry leaves the entry to the (re-armed) kernel timeout
    now = time.time()
    action.ban(_ticket(jail, "192.0.2.20", now - 89.5, 90)[1])
    action.unban(_ticket(jail, "192.0.2.20", now - 89.5, 90)[1])
    out["kept"] = "192.0.2.20" in _saved("f2bt-b4ref")
    # an early (manual) unban deletes it
    action.ban(_ticket(jail, "192.0.2.21", now, 90)[1])
    action.unban(_ticket(jail, "192.0.2.21", now, 90)[1])
    out["deleted"] = "192.0.2.21" not in _saved("f2bt-b4ref")
    # only the hook lost (refresh rule left first): both come back, refresh still before the hook
    subprocess.run(["iptables", "-w", "-D", "INPUT"] + action.families[4].rules()[1][1:], check=True)
    action.check()
    out["repaired"] = _rules("iptables")
    action.stop()
    return out


def test_refresh_rule_rearms_and_natural_expiry_is_left_to_the_kernel(nsworker):
    out = nsworker.apply(scenario_refresh)
    refresh = "-A INPUT -m set --match-set f2bt-b4ref src -j SET --add-set f2bt-b4ref src --exist --timeout 90"
    hook = "-A INPUT -p tcp -m multiport --dports 22 -m set --match-set f2bt-b4ref src -j DROP"
    assert refresh in out["rules4"]
    assert "--add-set f2bt6-b4ref src --exist --timeout 90" in out["rules6"]
    assert out["kept"] and out["deleted"]
    lines = out["repaired"].splitlines()
    assert lines.count(refresh) == 1 and lines.count(hook) == 1
    assert lines.index(refresh) < lines.index(hook)


def scenario_vanished_set():
    log = _Records()
    jail, action = _jail("b4gone", {"checkinterval": "3600"})
    action.start()
    now = time.time()
    action.ban(_ticket(jail, "192.0.2.31", now, 600)[1])
    # someone flushes the firewall and destroys the set behind fail2ban's back
    subprocess.run(["iptables", "-w", "-F", "INPUT"], check=True)
    subprocess.run(["ipset", "destroy", "f2bt-b4gone"], check=True)
    action.ban(_ticket(jail, "192.0.2.30", now, 600)[1])
    out = {"v4": _saved("f2bt-b4gone"), "rules4": _rules("iptables"), "pending": _pending(action),
           "warnings": log.at("WARNING")}
    action.stop()
    return out


def test_a_vanished_set_is_recreated_and_refilled_on_the_next_ban(nsworker):
    out = nsworker.apply(scenario_vanished_set)
    assert sorted(out["v4"]) == ["192.0.2.30", "192.0.2.31"] and out["pending"] == []
    assert "--match-set f2bt-b4gone src -j DROP" in out["rules4"]
    assert any("vanished" in w for w in out["warnings"])


def scenario_long_ban():
    jail, action = _jail("b4long", {"checkinterval": "3600"})
    family = action.families[4]
    family.cap, family.margin = 100, 10         # ipset's cap and the re-arm margin, scaled down
    action.start()
    t0 = time.time()
    family.ban("192.0.2.40", t0 + 150, t0)      # 150 s: the kernel gets the cap, 100 s
    out = {"first": _saved("f2bt-b4long")["192.0.2.40"], "rearm_at": family.rearm["192.0.2.40"] - t0}
    family.check(t0 + 50)                        # the clock, driven: not due yet
    out["early"] = _saved("f2bt-b4long")["192.0.2.40"]
    before = time.time()
    family.check(t0 + 95)                        # due: re-armed with what is left then, 55 s
    out["rearmed"] = _saved("f2bt-b4long")["192.0.2.40"]
    out["rearm_read"] = (before, time.time())
    out["still_capped"] = "192.0.2.40" in family.rearm
    action.stop()
    return out


def test_a_ban_longer_than_the_kernel_cap_is_rearmed_before_it_runs_out(nsworker):
    out = nsworker.apply(scenario_long_ban)
    assert out["first"] <= 100 and out["early"] <= out["first"]
    assert out["rearm_at"] == 90                 # cap - margin: before the kernel drops it
    before, after = out["rearm_read"]             # the remaining time, below the cap: no more re-arming
    assert left_ok(out["rearmed"], before + 55, before, after)
    assert out["still_capped"] is False


def scenario_leftover_in_use():
    log = _Records()
    subprocess.run(["ipset", "create", "f2bt-b4left", "hash:ip", "maxelem", "10", "timeout", "5"], check=True)
    subprocess.run(["ipset", "create", "f2bt6-b4left", "hash:net", "family", "inet6"], check=True)
    for binary, name in (("iptables", "f2bt-b4left"), ("ip6tables", "f2bt6-b4left")):
        # someone's rule still uses the leftover sets
        subprocess.run([binary, "-w", "-A", "FORWARD", "-m", "set", "--match-set", name, "src", "-j", "DROP"],
                       check=True)
    jail, action = _jail("b4left", {"checkinterval": "3600"})
    action.start()
    action.ban(_ticket(jail, "192.0.2.60", time.time(), 600)[1])
    out = {"ready": dict((f, a.ready) for f, a in action.families.items()),
           "sets": subprocess.run(["ipset", "list", "-t"], stdout=subprocess.PIPE, universal_newlines=True).stdout,
           "v4": _saved("f2bt-b4left"), "rules4": _rules("iptables"),
           "errors": log.at("ERROR"), "warnings": log.at("WARNING")}
    action.stop()
    for binary, name in (("iptables", "f2bt-b4left"), ("ip6tables", "f2bt6-b4left")):
        subprocess.run([binary, "-w", "-D", "FORWARD", "-m", "set", "--match-set", name, "src", "-j", "DROP"])
        subprocess.run(["ipset", "destroy", name])
    return out


def test_an_empty_leftover_in_use_is_swapped_for_a_new_set_or_named_in_one_error(nsworker):
    out = nsworker.apply(scenario_leftover_in_use)
    assert out["ready"] == {4: True, 6: False}
    # same type: the new set is swapped in under the rule that uses the name
    assert "Name: f2bt-b4left\nType: hash:ip" in out["sets"] and "maxelem 65536 timeout 600" in out["sets"]
    assert "f2bt-b4left.new" not in out["sets"]
    assert "192.0.2.60" in out["v4"]
    assert "-A FORWARD -m set --match-set f2bt-b4left src -j DROP" in out["rules4"]
    assert any("replaced the empty leftover ipset f2bt-b4left (it was hash:ip family inet maxelem 10 timeout)"
               in w for w in out["warnings"])
    # another type cannot be swapped: one error naming the fix
    assert len(out["errors"]) == 1
    assert "IPv6 bans are NOT enforced: ipset f2bt6-b4left exists as hash:net family inet6 maxelem 65536 " \
           "without timeout" in out["errors"][0]
    assert "delete that rule, then ipset destroy f2bt6-b4left" in out["errors"][0]
