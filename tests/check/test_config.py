"""Loading a fail2ban configuration with fail2ban's own readers; broken ones give clear errors."""
import os

import pytest

from f2btune.check.config import load, missing_logpaths
from f2btune.errors import InputError
from tests.check.helpers import make_conf


def test_load_builds_jails_from_fail2ban_stream(tmp_path):
    conf = make_conf(tmp_path, jail="action = iptables-multiport[name=test, port=http]\n"
                                    "           f2btune-ipset.py[name=test]\n")
    config = load(conf)
    (jail,) = config.jails
    assert jail.name == "test" and jail.backend == "pyinotify" and jail.usedns == "no"
    assert jail.failregex and jail.failregex[0].startswith("^")
    assert jail.datepattern == "^%b %d %H:%M:%S"
    assert [(a.name, a.kind) for a in jail.actions] == [("iptables-multiport", "cmd"), ("f2btune-ipset", "py")]
    assert "iptables" in jail.actions[0].actionban
    assert jail.actions[1].path.endswith("action.d/f2btune-ipset.py")
    assert jail.logpaths == [str(tmp_path / "app.log")]
    assert config.loglevel == "INFO" and config.has_database


def test_disabled_jails_are_not_checked(tmp_path):
    conf = make_conf(tmp_path, jail="[other]\nenabled = false\nfilter = test\nlogpath = /nonexistent\n")
    assert [j.name for j in load(conf).jails] == ["test"]


def test_missing_logpath_is_not_fatal(tmp_path):
    conf = make_conf(tmp_path, jail="logpath = /nonexistent/f2btune/*.log\n")
    (jail,) = load(conf).jails
    assert missing_logpaths(jail) == ["/nonexistent/f2btune/*.log"]


@pytest.mark.parametrize("broken, message", [
    ("[test\nenabled = true\n", "does not load"),                       # section header never closed
    ("enabled = true\n", "does not load"),                              # option before any section
    ("[test]\nbantime = %(undefined_value)s\n", "does not load"),       # interpolation error
    ("[test]\nfilter = no-such-filter-f2btune\n", "does not load"),     # the only jail is invalid
])
def test_broken_config_clear_error(tmp_path, broken, message):
    conf = make_conf(tmp_path)
    with open(os.path.join(conf, "jail.d", "test.local"), "a") as f:
        f.write("\n" + broken)
    with pytest.raises(InputError) as e:
        load(conf)
    assert message in str(e.value) and "\n" not in str(e.value)


def test_not_a_config_dir(tmp_path):
    with pytest.raises(InputError, match="no fail2ban configuration directory"):
        load(str(tmp_path / "nope"))
    with pytest.raises(InputError, match="no jail.conf"):
        os.makedirs(str(tmp_path / "empty"))
        with open(str(tmp_path / "empty" / "fail2ban.conf"), "w") as f:
            f.write("[Definition]\n")
        load(str(tmp_path / "empty"))
