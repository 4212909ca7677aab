"""f2btune.kernel.iptables: the hook rules, and ensure/remove against real iptables in a namespace."""
import os
import stat

from f2btune.kernel.iptables import FirewallError, Iptables, hook_rule, refresh_rule


def test_rules_hook_each_family_once():
    assert hook_rule(4, "f2bt-x", "INPUT", "tcp", "22,80", "DROP") == \
        ["INPUT", "-p", "tcp", "-m", "multiport", "--dports", "22,80",
         "-m", "set", "--match-set", "f2bt-x", "src", "-j", "DROP"]
    assert hook_rule(6, "f2bt6-x", "INPUT", "all", "", "REJECT --reject-with icmp-port-unreachable") == \
        ["INPUT", "-m", "set", "--match-set", "f2bt6-x", "src", "-j",
         "REJECT", "--reject-with", "icmp6-port-unreachable"]
    assert hook_rule(4, "s", "INPUT", "tcp", "0:65535", "DROP")[1:3] == ["-p", "tcp"]
    assert "--dports" not in hook_rule(4, "s", "INPUT", "tcp", "0:65535", "DROP")
    assert refresh_rule("s", "INPUT", 90)[-4:] == ["src", "--exist", "--timeout", "90"]


def scenario_ensure_remove(failing):
    import subprocess
    subprocess.run(["ipset", "create", "f2bt-ipt", "hash:ip", "timeout", "60"], check=True)
    fw = Iptables("iptables", failing)
    rule = hook_rule(4, "f2bt-ipt", "INPUT", "tcp", "22", "DROP")
    out = {"first": fw.ensure(4, rule), "again": fw.ensure(4, rule), "has": fw.has(4, rule)}
    subprocess.run(["iptables", "-w", "-A"] + rule, check=True)     # a stray copy
    fw.remove(4, rule)
    out["after_remove"] = fw.has(4, rule)
    for binary, family in ((failing, 6), ("/nonexistent/iptables", 4)):
        try:
            Iptables(binary, binary).ensure(family, rule)
        except FirewallError as e:
            out.setdefault("errors", []).append(str(e))
    subprocess.run(["ipset", "destroy", "f2bt-ipt"], check=True)
    return out


def test_ensure_is_idempotent_remove_takes_every_copy_and_errors_are_one_line(nsworker, tmp_path):
    failing = str(tmp_path / "ip6tables")
    with open(failing, "w") as f:
        f.write("#!/bin/sh\necho 'ip6tables: IPv6 is disabled' >&2\nexit 3\n")
    os.chmod(failing, stat.S_IRWXU)
    out = nsworker.apply(scenario_ensure_remove, (failing,))
    assert out["first"] is True and out["again"] is False and out["has"] is True
    assert out["after_remove"] is False
    assert out["errors"][0].startswith("%s could not add the rule 'INPUT -p tcp" % failing)
    assert out["errors"][0].endswith(": ip6tables: IPv6 is disabled")
    assert out["errors"][1] == "/nonexistent/iptables not found (install the iptables package)"
