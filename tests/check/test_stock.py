"""`f2btune check` on Debian's stock /etc/fail2ban with a few jails enabled, and on f2btune's own jails."""
import os
import time
import textwrap

import pytest

from f2btune.check import run_check
from f2btune.paths import build_confdir
from tests.check.helpers import SEED_REGEX, app_lines, ids
from tests.check.test_spoof import DEBIAN as DEBIAN_RSYSLOG

STOCK = "/etc/fail2ban"


def sshd_lines(n=30):
    out = []
    for i, l in enumerate(app_lines(n, step=20)):
        out.append("%s host sshd[%d]: Failed password for root from 203.0.113.%d port %d ssh2"
                   % (l[:15], 1000 + i, 1 + i % 5, 40000 + i))
    return out


@pytest.fixture
def stock_conf(tmp_path):
    if not os.path.isfile(os.path.join(STOCK, "jail.conf")):
        pytest.skip("fail2ban's stock configuration is not installed in %s" % STOCK)
    from f2btune.flood import write_flood
    conf = build_confdir(str(tmp_path / "conf"), enable_stock_jails=True)
    kern, auth = str(tmp_path / "kern.log"), str(tmp_path / "auth.log")
    write_flood(kern, 400, rate=40.0, noise=0.0, start=time.time() - 600)
    with open(auth, "w") as f:
        f.write("\n".join(sshd_lines()) + "\n")
    with open(os.path.join(conf, "jail.d", "zz-test.local"), "w") as f:
        f.write(textwrap.dedent("""\
            [sshd]
            enabled = true
            logpath = %s
            backend = pyinotify

            [kernlog]
            enabled = true
            filter =
            failregex = %s
            logpath = %s
            backend = pyinotify
            """) % (auth, SEED_REGEX, kern))
    return conf


def test_stock_debian_with_sshd_and_seed_jail(stock_conf):
    report = run_check(stock_conf, rsyslog_conf=DEBIAN_RSYSLOG)
    assert [j.name for j in report.config.jails] == ["sshd", "kernlog"]
    # sshd: stock filter is anchored and end-anchored; <HOST> with usedns = warn; syslog dates auto-detected
    assert ids(report, "sshd") == ["date-autodetect", "host-usedns"]
    # the seed's kernel regex on a flood, with Debian's defaults (INFO logging, iptables-multiport)
    # (no rsyslog rule writes the test's kern.log: who can write it is not decided)
    assert ids(report, "kernlog") == ["command-ban-action", "date-autodetect", "host-usedns", "loglevel-info",
                                      "regex-greedy-before-host", "regex-unanchored", "spoofable-log-unknown"]
    assert report.problems


def test_f2btune_jail_is_clean(tmp_path):
    """f2btune's own synflood jail, enabled, its log written from the kernel input only: only the
    global INFO loglevel is left to fix."""
    from f2btune.flood import write_flood
    conf = build_confdir(str(tmp_path / "conf"))
    kern = str(tmp_path / "kern.log")
    write_flood(kern, 400, rate=40.0, start=time.time() - 600)
    rsyslog = tmp_path / "rsyslog.conf"
    rsyslog.write_text(':inputname, isequal, "imklog" %s\n' % kern)
    with open(os.path.join(conf, "jail.d", "zz-test.local"), "w") as f:
        f.write("[f2btune-synflood]\nenabled = true\nlogpath = %s\n" % kern)
    report = run_check(conf, rsyslog_conf=str(rsyslog))
    assert ids(report, "f2btune-synflood") == ["loglevel-info"]
    with open(os.path.join(conf, "fail2ban.local"), "w") as f:
        f.write("[Definition]\nloglevel = NOTICE\n")
    assert ids(run_check(conf, rsyslog_conf=str(rsyslog)), "f2btune-synflood") == []


def test_measure_before_after(stock_conf):
    """--measure: the jail's filter vs the matching f2btune filter, on the jail's own log, one bench run."""
    report = run_check(stock_conf, measure=True, jails=["kernlog"])
    rows = [m for m in report.measurements if m["jail"] == "kernlog"]
    assert [m["candidate"] for m in rows] == ["jail filter", "explicit datepattern", "f2btune-synflood"]
    assert all(m["lines_per_s"] > 0 for m in rows)
    assert rows[2]["agrees"], "f2btune-synflood must find what the seed regex finds on a SYN-only flood"
    costs = dict((f.id, f.cost) for f in report.findings if f.jail == "kernlog")
    assert costs["regex-unanchored"]["kind"] == "measured"
    assert costs["date-autodetect"]["kind"] == "measured"
    assert costs["loglevel-info"]["kind"] == "estimate"
