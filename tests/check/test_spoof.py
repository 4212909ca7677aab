"""spoofable-log / spoofable-log-unknown: kernel-LOG jails whose log local programs can write.

The syslog chain is read from fixture configurations under the test's own directory, never /etc:
``tests/files/rsyslog/debian12.conf`` is Debian 12's /etc/rsyslog.conf as rsyslog 8.2302.0-1
ships it (md5 b71ef62df5c0fe31ee99be6581cb1810), with its paths moved into the test directory.
"""
import os

import pytest

from f2btune.check import run_check
from f2btune.check import finding_types
from tests.check.helpers import make_conf
from tests.conftest import ROOT, run_cli

DEBIAN = os.path.join(ROOT, "tests", "files", "rsyslog", "debian12.conf")
SPOOF_IDS = ("spoofable-log", "spoofable-log-unknown")


def syslog_root(tmp_path, extra=None, conf=DEBIAN):
    """Debian's rsyslog configuration under ``tmp_path`` (+ rsyslog.d files); returns (conf, logdir)."""
    etc, logdir = tmp_path / "etc", tmp_path / "var" / "log"
    (etc / "rsyslog.d").mkdir(parents=True)
    logdir.mkdir(parents=True)
    for name in ("syslog", "kern.log", "ufw.log", "netfilter.log"):
        (logdir / name).write_text("")
    with open(conf) as f:
        text = f.read()
    for name, body in dict({"rsyslog.conf": text}, **(extra or {})).items():
        body = body.replace("/etc/rsyslog.d/", "%s/rsyslog.d/" % etc).replace("/var/log/", "%s/" % logdir)
        (etc / name if name == "rsyslog.conf" else etc / "rsyslog.d" / name).write_text(body)
    return str(etc / "rsyslog.conf"), str(logdir)


def check(tmp_path, jail, rsyslog_conf):
    report = run_check(make_conf(tmp_path, jail=jail), rsyslog_conf=rsyslog_conf)
    return [f for f in report.findings if f.id in SPOOF_IDS]


def file_jail(path, prefix="f2b-syn: "):
    return 'filter = f2btune-synflood[logprefix="%s"]\nlogpath = %s\n' % (prefix, path)


@pytest.mark.parametrize("name", ["syslog", "kern.log"])
def test_debian_default_rsyslog_is_flagged(tmp_path, name):
    """syslog gets `logger -t kernel` lines; kern.log a raw /dev/log write with facility kern."""
    conf, logdir = syslog_root(tmp_path)
    (f,) = check(tmp_path, file_jail(os.path.join(logdir, name)), conf)
    assert f.id == "spoofable-log" and f.severity == "warning" and f.is_problem
    assert "(%s:" % conf in f.message and "_TRANSPORT=kernel" in f.fix
    assert f.cost["kind"] == "estimate" and f.cost["text"]


def test_ufw_style_message_filter_is_flagged(tmp_path):
    conf, logdir = syslog_root(tmp_path, {"20-ufw.conf": ':msg,contains,"[UFW " /var/log/ufw.log\n& stop\n'})
    (f,) = check(tmp_path, file_jail(os.path.join(logdir, "ufw.log"), r"\[UFW BLOCK\] "), conf)
    assert f.id == "spoofable-log" and ':msg,contains,"[UFW "' in f.message and "20-ufw.conf:1" in f.message


def test_kernel_input_only_file_is_not_flagged(tmp_path):
    conf, logdir = syslog_root(tmp_path, {"30-nf.conf": ':inputname, isequal, "imklog" /var/log/netfilter.log\n'})
    assert check(tmp_path, file_jail(os.path.join(logdir, "netfilter.log")), conf) == []


@pytest.mark.parametrize("journalmatch, flagged", [
    (None, False),                                      # the filter's own: _TRANSPORT=kernel
    ("_TRANSPORT=kernel", False),
    ("SYSLOG_IDENTIFIER=kernel", True),                 # a tag any program can choose
    ("_TRANSPORT=kernel + _TRANSPORT=syslog", True),
    ("_TRANSPORT=kernel _TRANSPORT=syslog", True),       # same field twice: journald ORs them
])
def test_journal_jail(tmp_path, journalmatch, flagged):
    jail = 'filter = f2btune-synflood[logtype=journal]\nbackend = systemd\n'
    if journalmatch:
        jail += "journalmatch = %s\n" % journalmatch
    found = check(tmp_path, jail, os.path.join(str(tmp_path), "no-rsyslog.conf"))
    assert [f.id for f in found] == (["spoofable-log"] if flagged else [])


@pytest.mark.parametrize("extra, conf_name, says", [
    ({"40-nf.conf": 'if $msg contains "f2b-syn:" then {\n  action(type="omfile" file="/var/log/netfilter.log")\n}\n'},
     "rsyslog.conf", "RainerScript"),
    ({}, "rsyslog.conf", "no rule in"),
    ({"50-nf.conf": ':fromhost-ip, isequal, "127.0.0.1" /var/log/netfilter.log\n'}, "rsyslog.conf", "cannot judge"),
])
def test_cannot_decide_is_a_note_never_safe(tmp_path, extra, conf_name, says):
    conf, logdir = syslog_root(tmp_path, extra)
    (f,) = check(tmp_path, file_jail(os.path.join(logdir, "netfilter.log")), conf)
    assert f.id == "spoofable-log-unknown" and f.severity == "info" and not f.is_problem
    assert says in f.message


def test_other_syslog_daemon_is_a_note(tmp_path):
    etc = tmp_path / "etc"
    (etc / "syslog-ng").mkdir(parents=True)
    (etc / "syslog-ng" / "syslog-ng.conf").write_text("@version: 3.38\n")
    log = tmp_path / "kern.log"
    log.write_text("")
    (f,) = check(tmp_path, file_jail(str(log)), str(etc / "rsyslog.conf"))
    assert f.id == "spoofable-log-unknown" and "syslog-ng" in f.message


def test_other_jails_are_not_judged(tmp_path):
    """Only kernel-LOG jails: an application's log is not a forged-kernel-line question."""
    conf, _ = syslog_root(tmp_path)
    assert check(tmp_path, "", conf) == []


def test_cli_exit_status_and_option(tmp_path):
    conf, logdir = syslog_root(tmp_path)
    confdir = make_conf(tmp_path, jail=file_jail(os.path.join(logdir, "syslog")))
    p = run_cli("check", "--conf", confdir, "--rsyslog-conf", conf)
    assert p.returncode == 3 and "spoofable-log" in p.stdout, p.stdout + p.stderr
    p = run_cli("check", "--conf", confdir, "--rsyslog-conf", str(tmp_path / "missing.conf"))
    assert p.returncode == 1 and p.stderr.strip().endswith("missing.conf: no such file"), p.stderr


def test_both_ids_are_finding_types():
    assert all(i in finding_types() for i in SPOOF_IDS)
