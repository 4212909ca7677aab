"""action.d/f2btune-ipset.py: loaded by fail2ban's own Actions, driven with real BanTickets,
against real ipsets and iptables rules inside a throw-away network namespace."""
import logging
import os
import subprocess
import time

import pytest

from f2btune import f2b, netns
from tests.conftest import ROOT

ACTION = os.path.join(ROOT, "action.d", "f2btune-ipset.py")


def load_module():
    f2b.ensure_importable()
    from fail2ban.server.actions import Actions
    return Actions._load_python_module(ACTION)


# -- pure arithmetic and parameters (no kernel) ---------------------------------------------

def test_kernel_timeout_is_the_remaining_time():
    kt = load_module().kernel_timeout
    assert kt(1000, 600, 1000) == 600            # fresh ban: the full bantime
    assert kt(1000, 600, 1400) == 200            # restored 400 s later: what remains
    assert kt(1000, 600, 1399.5) == 201          # rounded up: the kernel never unbans early
    assert kt(1000, 600, 1600) is None           # over
    assert kt(1000, 600, 2000) is None
    assert kt(1000, -1, 10 ** 9) == 0            # permanent: no timeout
    assert kt(1000, 10 ** 9, 1000) == 2147483    # capped at ipset's maximum
    assert kt(1000, 2147483 + 5, 1004) == 2147483
    assert kt(1000, 2147483 + 5, 1006) == 2147482


@pytest.mark.parametrize("opts, message", [
    ({"refresh": "maybe"}, "refresh must be true or false"),
    ({"maxelem": "lots"}, "maxelem must be an integer"),
    ({"maxelem": "0"}, "maxelem must be between"),
    ({"refreshtime": "3000000"}, "refreshtime must be between"),
    ({"protocol": "icmp"}, "protocol must be"),
    ({"name": "a-name-that-is-much-too-long-for-ipset"}, "too long"),
    ({"name": "two words"}, "bad name"),
    ({"chain": "IN PUT"}, "bad chain"),
    ({"chain": "<known/chain>"}, "bad chain"),
    ({"port": "22;reboot"}, "bad port"),
    ({"blocktype": " "}, "blocktype must not be empty"),
])
def test_bad_parameters_are_refused_with_a_clear_message(opts, message):
    f2b.ensure_importable()
    from fail2ban.server.jail import Jail
    jail = Jail("b4bad", backend="polling")
    with pytest.raises(ValueError, match=message):
        jail.actions.add("f2btune-ipset", ACTION, opts)


def test_rules_hook_each_family_once():
    mod = load_module()
    assert mod.hook_rule(4, "f2bt-x", "INPUT", "tcp", "22,80", "DROP") == \
        ["INPUT", "-p", "tcp", "-m", "multiport", "--dports", "22,80",
         "-m", "set", "--match-set", "f2bt-x", "src", "-j", "DROP"]
    assert mod.hook_rule(6, "f2bt6-x", "INPUT", "all", "", "REJECT --reject-with icmp-port-unreachable") == \
        ["INPUT", "-m", "set", "--match-set", "f2bt6-x", "src", "-j",
         "REJECT", "--reject-with", "icmp6-port-unreachable"]
    assert mod.hook_rule(4, "s", "INPUT", "tcp", "0:65535", "DROP")[1:3] == ["-p", "tcp"]
    assert "--dports" not in mod.hook_rule(4, "s", "INPUT", "tcp", "0:65535", "DROP")


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

    def emit(self, record):
        self.lines.append((record.levelname, record.getMessage()))


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


def scenario_ban_unban(opts):
    log = _Records()
    logging.getLogger("fail2ban").addHandler(log)
    jail, action = _jail("b4ban", opts)
    action.start()
    now = time.time()
    out = {"rules4": _rules("iptables"), "rules6": _rules("ip6tables")}
    for ip, start, bantime in (("192.0.2.10", now, 600), ("2001:db8::10", now - 100, 600),
                               ("192.0.2.11", now, -1), ("192.0.2.12", now, 10 ** 9)):
        action.ban(_ticket(jail, ip, start, bantime)[1])
    out["v4"], out["v6"] = _saved("f2bt-b4ban"), _saved("f2bt6-b4ban")
    action.unban(_ticket(jail, "192.0.2.10", now, 600)[1])
    action.unban(_ticket(jail, "2001:db8::10", now - 100, 600)[1])
    out["v4_after"], out["v6_after"] = _saved("f2bt-b4ban"), _saved("f2bt6-b4ban")
    action.start()      # a second start must not duplicate the hook rules
    out["rules4_twice"] = _rules("iptables")
    action.stop()
    out["rules4_stopped"], out["rules6_stopped"] = _rules("iptables"), _rules("ip6tables")
    out["sets_stopped"] = subprocess.run(["ipset", "list", "-n"], stdout=subprocess.PIPE,
                                         universal_newlines=True).stdout
    out["errors"] = [m for lvl, m in log.lines if lvl == "ERROR"]
    return out


def scenario_restore_and_prolong(count):
    jail, action = _jail("b4rst", {})
    action.start()
    now = time.time()
    # restored bans: started 400 s ago with a 600 s ban -> ~200 s left
    for i in range(count):
        ip = "10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255)
        action.ban(_ticket(jail, ip, now - 400, 600, restored=True)[1])
    action.ban(_ticket(jail, "2001:db8::77", now - 400, 600, restored=True)[1])
    time.sleep(0.5)     # the bulk add runs RESTORE_DELAY after the last restored ban
    out = {"v4": _saved("f2bt-b4rst"), "v6": _saved("f2bt6-b4rst")}
    # the bulk path itself: whole batches accepted by the kernel, nothing left to add singly
    out["bulk_failed4"] = action.kernel.add_many("f2bt-b4rst", 4, [("198.18.%d.%d" % (i >> 8, i & 255), 50)
                                                                   for i in range(2500)])
    out["bulk_failed6"] = action.kernel.add_many("f2bt6-b4rst", 6, [("2001:db8::%x" % i, 50)
                                                                    for i in range(1, 1600)])
    out["bulk4"] = sum(1 for ip, t in _saved("f2bt-b4rst").items() if ip.startswith("198.18.") and t <= 50)
    out["bulk6"] = sum(1 for ip in _saved("f2bt6-b4rst") if ip.startswith("2001:db8::"))   # ::77 overlaps
    # prolong (bantime.increment): same ticket, longer bantime
    t, info = _ticket(jail, "192.0.2.50", time.time(), 60)
    action.ban(info)
    out["before_prolong"] = _saved("f2bt-b4rst")["192.0.2.50"]
    t.setBanTime(3600)
    action.prolong(jail.actions._getActionInfo(t))
    out["after_prolong"] = _saved("f2bt-b4rst")["192.0.2.50"]
    out["prolongable"] = action._prolongable
    action.stop()
    return out


def scenario_full_set():
    log = _Records()
    logging.getLogger("fail2ban").addHandler(log)
    jail, action = _jail("b4full", {"maxelem": "2"})
    action.start()
    now = time.time()
    infos = [_ticket(jail, "192.0.2.%d" % i, now, 600)[1] for i in (1, 2, 3, 4)]
    for info in infos:
        action.ban(info)            # must not raise: the jail keeps running
    out = {"after_bans": _saved("f2bt-b4full"), "pending": sorted(action._pending)}
    action.unban(infos[0])
    action._retry(force=True)
    out["after_retry"] = _saved("f2bt-b4full")
    out["pending_after"] = sorted(action._pending)
    out["errors"] = [m for lvl, m in log.lines if lvl == "ERROR"]
    action.stop()
    return out


def scenario_missing_binary():
    log = _Records()
    logging.getLogger("fail2ban").addHandler(log)
    jail, action = _jail("b4miss", {"iptables": "/nonexistent/iptables"})
    action.start()
    action.ban(_ticket(jail, "192.0.2.9", time.time(), 600)[1])
    out = {"pending": sorted(action._pending), "started": action.started,
           "errors": [m for lvl, m in log.lines if lvl == "ERROR"]}
    action.stop()
    return out


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
    action.stop()
    return out


@pytest.fixture(scope="module")
def worker(request):
    if os.geteuid() != 0:
        pytest.skip("needs root (network namespaces, netfilter)")
    ns = netns.Netns("f2bt-ban-unit-%d" % os.getpid())
    ns.create()
    pool = ns.pool()
    try:
        yield pool
    finally:
        pool.terminate()
        pool.join()
        ns.delete()


def test_ban_unban_ipv4_ipv6_permanent_and_capped(worker):
    out = worker.apply(scenario_ban_unban, ({"port": "22,80"},))
    assert out["errors"] == []
    hook4 = "-A INPUT -p tcp -m multiport --dports 22,80 -m set --match-set f2bt-b4ban src -j DROP"
    assert hook4 in out["rules4"]
    assert "--match-set f2bt6-b4ban src -j DROP" in out["rules6"]
    assert out["rules4_twice"].count("f2bt-b4ban") == 1
    assert 598 <= out["v4"]["192.0.2.10"] <= 600
    assert 498 <= out["v6"]["2001:db8::10"] <= 500          # remaining time, not bantime
    assert out["v4"]["192.0.2.11"] == 0                      # permanent
    assert out["v4"]["192.0.2.12"] >= 2147480                # capped
    assert "192.0.2.10" not in out["v4_after"] and "2001:db8::10" not in out["v6_after"]
    assert "f2bt-b4ban" not in out["rules4_stopped"] and "f2bt6-b4ban" not in out["rules6_stopped"]
    assert "f2bt" not in out["sets_stopped"]


def test_restored_bans_get_remaining_time_in_bulk_and_prolong_extends(worker):
    count = max(200, int(12000 * min(1.0, float(os.environ.get("F2BTUNE_TEST_SCALE", "1")))))
    out = worker.apply(scenario_restore_and_prolong, (count,))
    restored = [t for ip, t in out["v4"].items() if ip.startswith("10.")]
    assert len(restored) == count
    assert all(190 <= t <= 200 for t in restored), (min(restored), max(restored))
    assert 190 <= out["v6"]["2001:db8::77"] <= 200
    assert out["bulk_failed4"] == [] and out["bulk4"] == 2500
    assert out["bulk_failed6"] == [] and out["bulk6"] == 1599
    assert out["prolongable"] is True
    assert 58 <= out["before_prolong"] <= 60
    assert 3590 <= out["after_prolong"] <= 3600


def test_full_set_logs_once_keeps_running_and_retries(worker):
    out = worker.apply(scenario_full_set)
    assert sorted(out["after_bans"]) == ["192.0.2.1", "192.0.2.2"]
    assert out["pending"] == ["192.0.2.3", "192.0.2.4"]
    assert len(out["errors"]) == 2 and all("is full" in e and "NOT applied" in e for e in out["errors"])
    assert "192.0.2.3" in out["after_retry"] and "192.0.2.1" not in out["after_retry"]
    assert out["pending_after"] == ["192.0.2.4"]


def test_missing_binary_is_one_clear_error_and_the_ban_waits(worker):
    out = worker.apply(scenario_missing_binary)
    assert out["started"] is False
    assert out["pending"] == ["192.0.2.9"]
    assert any("cannot start" in e and "/nonexistent/iptables not found" in e for e in out["errors"])
    assert any("192.0.2.9 NOT applied" in e for e in out["errors"])


def test_refresh_rule_rearms_and_natural_expiry_is_left_to_the_kernel(worker):
    out = worker.apply(scenario_refresh)
    assert "-m set --match-set f2bt-b4ref src -j SET --add-set f2bt-b4ref src --exist --timeout 90" \
        in out["rules4"]
    assert "--add-set f2bt6-b4ref src --exist --timeout 90" in out["rules6"]
    assert out["kept"] and out["deleted"]


def scenario_unprivileged():
    os.setgid(65534)
    os.setuid(65534)            # nobody: no CAP_NET_ADMIN
    log = _Records()
    logging.getLogger("fail2ban").addHandler(log)
    jail, action = _jail("b4perm", {})
    action.start()
    action.ban(_ticket(jail, "192.0.2.8", time.time(), 600)[1])
    action.unban(_ticket(jail, "192.0.2.8", time.time(), 600)[1])
    out = {"started": action.started, "pending": sorted(action._pending),
           "errors": [m for lvl, m in log.lines if lvl == "ERROR"]}
    action.stop()
    return out


def test_no_privilege_is_a_clear_error_not_a_crash(as_root):
    ns = netns.Netns("f2bt-ban-unpriv-%d" % os.getpid())
    ns.create()
    pool = ns.pool()
    try:
        out = pool.apply(scenario_unprivileged)
    finally:
        pool.terminate()
        pool.join()
        ns.delete()
    assert out["started"] is False
    assert any("cannot start" in e and "not permitted" in e for e in out["errors"]), out["errors"]
    assert any("192.0.2.8 NOT applied" in e for e in out["errors"]), out["errors"]


def scenario_vanished_set():
    log = _Records()
    logging.getLogger("fail2ban").addHandler(log)
    jail, action = _jail("b4gone", {})
    action.start()
    # someone flushes the firewall and destroys the set behind fail2ban's back
    subprocess.run(["iptables", "-w", "-F", "INPUT"], check=True)
    subprocess.run(["ipset", "destroy", "f2bt-b4gone"], check=True)
    action.ban(_ticket(jail, "192.0.2.30", time.time(), 600)[1])
    out = {"v4": _saved("f2bt-b4gone"), "rules4": _rules("iptables"), "pending": sorted(action._pending),
           "warnings": [m for lvl, m in log.lines if lvl == "WARNING"]}
    action.stop()
    return out


def test_a_vanished_set_is_recreated_on_the_next_ban(worker):
    out = worker.apply(scenario_vanished_set)
    assert "192.0.2.30" in out["v4"] and out["pending"] == []
    assert "--match-set f2bt-b4gone src -j DROP" in out["rules4"]
    assert any("re-created" in w for w in out["warnings"])
