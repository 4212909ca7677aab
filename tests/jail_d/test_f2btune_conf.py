"""jail.d/f2btune.conf: disabled by default, valid for fail2ban, escalation as documented."""
import configparser
import os
import subprocess

import pytest

from f2btune import f2b, paths
from tests.conftest import ROOT

JAILS = ("f2btune-synflood", "f2btune-synflood-journal", "f2btune-synflood-kernelban", "f2btune-synflood-verified",
         "f2btune-recidive")
JOURNAL_JAILS = ("f2btune-synflood-journal", "f2btune-synflood-verified")


def _conf():
    cp = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";",))
    cp.read(os.path.join(ROOT, "jail.d", "f2btune.conf"))
    return cp


def test_every_jail_is_disabled_has_an_explicit_backend_and_our_action():
    cp = _conf()
    assert tuple(cp.sections()) == JAILS
    for jail in JAILS:
        assert cp.get(jail, "enabled") == "false"
        assert cp.get(jail, "backend") in ("pyinotify", "systemd")
        assert cp.get(jail, "action").startswith("f2btune-ipset.py[name=")


@pytest.fixture
def confdir(tmp_path):
    d = paths.build_confdir(str(tmp_path / "conf"))
    log = tmp_path / "kern.log"
    log.write_text("")
    with open(os.path.join(d, "jail.d", "zz-test.local"), "w") as f:
        for jail in JAILS:
            f.write("[%s]\nenabled = true\n" % jail)
            if jail not in JOURNAL_JAILS:
                f.write("logpath = %s\n" % log)
    return d


def test_fail2ban_accepts_all_jails_enabled(confdir):
    p = subprocess.run(["fail2ban-client", "-c", confdir, "-t"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True)
    assert p.returncode == 0, p.stdout
    assert "OK: configuration test is successful" in p.stdout


def _stream(confdir):
    f2b.ensure_importable()
    from fail2ban.client.jailsreader import JailsReader
    reader = JailsReader(basedir=confdir)
    assert reader.read() and reader.getOptions()
    return reader.convert()


def test_escalation_30s_5min_1h_1d_capped(confdir):
    """The jail's own bantime.* options, fed to fail2ban's Jail and Observer formula."""
    from fail2ban.server.jail import Jail
    from fail2ban.server.observer import ObserverThread
    jail = Jail("f2btune-synflood", backend="polling")
    bantime = None
    for cmd in _stream(confdir):
        if cmd[:2] == ["set", "f2btune-synflood"] and cmd[2].startswith("bantime."):
            jail.setBanTimeExtra(cmd[2][len("bantime."):], cmd[3])
        elif cmd[:3] == ["set", "f2btune-synflood", "bantime"]:
            bantime = int(cmd[3])
    assert bantime == 30
    assert jail.getBanTimeExtra("increment") in (True, "true")
    observer = ObserverThread()
    # ban #k is computed with the number of earlier bans (k - 1); ban #1 is never multiplied
    got = [observer.calcBanTime(jail, bantime, earlier) for earlier in range(1, 8)]
    assert got == [300, 3600, 86400, 86400, 86400, 86400, 86400]


def test_action_options_reach_the_python_action(confdir):
    adds = [c for c in _stream(confdir) if c[2:3] == ["addaction"]]
    assert {c[1] for c in adds} == set(JAILS)
    for c in adds:
        assert c[4].endswith("action.d/f2btune-ipset.py") and "<" not in c[5]
