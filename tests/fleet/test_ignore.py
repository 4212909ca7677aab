"""The union of the local jails' ignoreip, read from a real fail2ban configuration."""
import ipaddress
import os

from f2btune import paths
from f2btune.fleet.ignore import IgnoreList, from_confdir, parse_entries


def test_union_of_enabled_jails(tmp_path):
    confdir = str(tmp_path / "conf")
    paths.build_confdir(confdir)
    log = tmp_path / "auth.log"
    log.write_text("")
    with open(os.path.join(confdir, "jail.d", "zz.local"), "w") as f:
        f.write("[DEFAULT]\nignoreself = false\n"
                "[f2btune-sshd]\nenabled = true\nlogpath = %s\nbackend = polling\n"
                "ignoreip = 192.0.2.77, 198.51.100.0/28\n"
                "[f2btune-apache-auth]\nenabled = true\nlogpath = %s\nbackend = polling\n"
                "ignoreip = 2001:db8:77::/48 not-an-address!\n"
                "[f2btune-wordpress]\nenabled = false\nlogpath = %s\nignoreip = 203.0.113.5\n" % (log, log, log))
    nets = set(str(n) for n in from_confdir(confdir, resolve=False))
    assert nets == {"127.0.0.0/8", "::1/128", "192.0.2.77/32", "198.51.100.0/28", "2001:db8:77::/48"}


def test_plan_normalises_and_never_returns_an_ignored_part():
    ign = IgnoreList(parse_entries("192.0.2.77 2001:db8:77::/48", resolve=False))
    assert ign.plan("192.0.2.1") == ("192.0.2.1", [])
    assert ign.plan("::ffff:192.0.2.77") == (None, [])
    assert ign.plan("192.0.2.77/32") == (None, [])
    assert ign.plan("192.0.2.0/24") == ("192.0.2.0/24", ["192.0.2.77"])
    assert ign.plan("2001:db8::/32") == ("2001:db8::/32", ["2001:db8:77::/48"])
    assert ign.plan("2001:db8:77:1::/64") == (None, [])
    assert ign.plan("192.0.2.1; DROP") == (None, [])
    assert ign.plan("2001:DB8::0:5") == ("2001:db8::5", [])
    assert all(isinstance(n, ipaddress._BaseNetwork) for n in ign.nets)
