"""action.d/f2btune-tolerance.py in a real fail2ban-server with f2btune-sshd, maxretry 5, factor 5:
Debian's own /usr/bin/fail2ban-server with a stock file backend (pyinotify), and `f2btune server`
with `backend = f2btune`.  Lines are appended to a real log; every wait polls a condition."""
import os
import time

import pytest

from f2btune import tolerance
from f2btune.replay.sandbox import CLIENT, Sandbox
from f2btune.replay.writer import Stamper
from f2btune.errors import F2btuneError
from tests.backend.conftest import append, status_field, wait_for
from tests.conftest import run_cli

A, B, D, E, F = "192.0.2.10", "192.0.2.20", "192.0.2.40", "192.0.2.50", "192.0.2.60"
STOCK_SERVER = "/usr/bin/fail2ban-server"


class StockSandbox(Sandbox):
    """The same private server, started by Debian's fail2ban-server itself (no f2btune import)."""

    def command(self):
        return ["/usr/bin/python3", STOCK_SERVER, "-f", "-x", "-c", self.conf, "-s", self.socket,
                "-p", self.pidfile, "--loglevel", self.loglevel, "--logtarget", self.logfile, "start"]


class Log(object):
    def __init__(self, path):
        self.path = path
        self.pid = 4000
        self.stamp = Stamper("syslog")
        open(path, "a").close()

    def write(self, *messages, at=None):
        lines = []
        for m in messages:
            self.pid += 1
            lines.append("%s host sshd[%d]: %s" % (self.stamp(time.time() if at is None else at), self.pid, m))
        append(self.path, lines)

    def success(self, ip, user="alice", at=None):
        self.write("Accepted password for %s from %s port 50022 ssh2" % (user, ip), at=at)

    def failures(self, ip, user, n, at=None):
        self.write(*["Failed password for %s from %s port 50022 ssh2" % (user, ip)] * n, at=at)


def jail(name, log, backend, time_):
    return name, [("enabled", "true"), ("filter", "f2btune-sshd"), ("backend", backend),
                  ("logpath", log), ("usedns", "no"), ("maxretry", "5"), ("findtime", "600"),
                  ("bantime", "600"), ("action", "dummy\nf2btune-tolerance.py[time=%s, factor=5]" % time_)]


def started(backend, tmp_path, jails):
    if not os.path.exists(CLIENT) or not os.path.exists(STOCK_SERVER):
        pytest.skip("Debian's fail2ban is not installed")
    cls = StockSandbox if backend == "pyinotify" else Sandbox
    sb = cls(jails, workdir=str(tmp_path / "sb"))
    sb.start()
    sb.wait_jails_started([j[0] for j in jails])
    return sb


@pytest.fixture(params=["pyinotify", "f2btune"])
def server(request, tmp_path):
    log = Log(str(tmp_path / "auth.log"))
    sb = started(request.param, tmp_path, [jail("tol", log.path, request.param, "1h")])
    yield sb, log
    sb.stop()


def tolerated(sb, name):
    return dict((e[0], e[1]) for e in tolerance.listing(sb.socket, name))


def failed_at_least(sb, name, n):
    assert wait_for(lambda: status_field(sb, name, "Total failed") >= n, 30), sb.tail_output()


def test_tolerance_in_a_real_server(server):
    sb, log = server
    # a success tolerates its address for its account; a second address stays tolerated to the restart
    log.success(A)
    log.success(F, "bob")
    assert wait_for(lambda: tolerated(sb, "tol") == {A: "alice", F: "bob"}, 30), sb.tail_output()
    # 20 wrong passwords for alice are tolerated ...
    log.failures(A, "alice", 20)
    failed_at_least(sb, "tol", 20)
    assert A not in sb.banned("tol")
    # ... and root's failures count in full: the ban comes at once and ends the tolerance
    log.failures(A, "root", 5)
    assert wait_for(lambda: A in sb.banned("tol"), 30), sb.tail_output()
    assert A not in tolerated(sb, "tol")
    # an address without a success is banned at 5
    log.failures(B, "alice", 4)
    failed_at_least(sb, "tol", 29)
    assert B not in sb.banned("tol")
    log.failures(B, "alice", 1)
    assert wait_for(lambda: B in sb.banned("tol"), 30), sb.tail_output()
    # a forged success (a user name carrying an Accepted text) grants nothing and counts 1
    forged = "Accepted password for alice from %s port 22 ssh2" % D
    log.write(*["Invalid user %s from %s port 50022" % (forged, D)] * 4)
    log.write("Failed password for invalid user %s from %s port 50022 ssh2" % (forged, D))
    assert wait_for(lambda: D in sb.banned("tol"), 30), sb.tail_output()
    assert D not in tolerated(sb, "tol")
    # the command lists what the server holds
    out = run_cli("tolerance", "tol", "-s", sb.socket)
    assert out.returncode == 0 and F in out.stdout and "bob" in out.stdout and A not in out.stdout, out
    # tolerance survives a restart (F: 6 failures for bob, over maxretry, are not a ban)
    sb.stop()
    sb.start()
    sb.wait_jails_started(["tol"])
    assert tolerated(sb, "tol") == {F: "bob"}
    # and a reload (the action is kept, maxretry shown as configured)
    sb.client("reload")
    assert wait_for(lambda: tolerated(sb, "tol") == {F: "bob"}, 30), sb.tail_output()
    assert sb.client("get", "tol", "maxretry").stdout.strip() == "5"
    log.failures(F, "bob", 6)
    failed_at_least(sb, "tol", 6)
    assert F not in sb.banned("tol")
    # revoked, its failures count in full again
    assert run_cli("tolerance", "tol", "-s", sb.socket, "--revoke", F).returncode == 0
    assert run_cli("tolerance", "tol", "-s", sb.socket, "--revoke", F).returncode == 3
    assert tolerance.revoke(sb.socket, "tol", F) is False
    log.failures(F, "bob", 5)
    assert wait_for(lambda: F in sb.banned("tol"), 30), sb.tail_output()


@pytest.mark.parametrize("backend", ["pyinotify", "f2btune"])
def test_tolerance_expires(backend, tmp_path):
    """Time is the log's: written before the server starts, the lines are read from the head with
    their own stamps.  A success 100 s ago with time = 60 s tolerates the failures of its minute
    and none after it."""
    log = Log(str(tmp_path / "auth.log"))
    t0 = time.time() - 100
    log.success(E, at=t0)
    log.failures(E, "alice", 10, at=t0 + 10)    # 10 x 1/5
    log.failures(E, "alice", 2, at=t0 + 95)     # expired: 2 + 2
    log.failures(A, "alice", 4, at=t0 + 95)     # a marker address: read to the end once it has 4
    sb = started(backend, tmp_path, [jail("tolx", log.path, backend, "60")])
    try:
        failed_at_least(sb, "tolx", 16)
        assert sb.banned("tolx") == set()
        assert E not in tolerated(sb, "tolx")
        log.failures(E, "alice", 1)             # 2 + 3
        assert wait_for(lambda: E in sb.banned("tolx"), 30), sb.tail_output()
    finally:
        sb.stop()


def test_a_bad_parameter_stops_the_server_with_one_clear_error(tmp_path):
    if not os.path.exists(CLIENT) or not os.path.exists(STOCK_SERVER):
        pytest.skip("Debian's fail2ban is not installed")
    name, opts = jail("tolbad", str(tmp_path / "auth.log"), "pyinotify", "1h")
    opts[-1] = ("action", "dummy\nf2btune-tolerance.py[time=1h, factr=5]")
    open(str(tmp_path / "auth.log"), "a").close()
    sb = StockSandbox([(name, opts)], workdir=str(tmp_path / "sb"))
    try:
        sb.start()                      # may answer a ping before it reads the jail's action
    except F2btuneError:
        pass
    assert wait_for(lambda: sb.proc.poll() is not None, 30), "the server kept running"
    sb.stop()
    assert "f2btune-tolerance: unknown parameter factr (known: time, factor, unban, prefix6)" in sb.tail_output(n=100000)


def journal_record(i, comm, ident, unit, message):
    from f2btune.flood import BOOT_ID, MACHINE_ID
    realtime, mono = int(time.time() * 1e6) + i, 5000000 + i
    fields = ["__CURSOR=s=%s;i=%x;b=%s;m=%x;t=%x;x=%x" % (MACHINE_ID, i + 1, BOOT_ID, mono, realtime, i),
              "__REALTIME_TIMESTAMP=%d" % realtime, "__MONOTONIC_TIMESTAMP=%d" % mono, "_BOOT_ID=%s" % BOOT_ID,
              "_TRANSPORT=syslog", "PRIORITY=6", "SYSLOG_FACILITY=10", "SYSLOG_IDENTIFIER=%s" % ident,
              "_PID=%d" % (3000 + i), "_COMM=%s" % comm, "_MACHINE_ID=%s" % MACHINE_ID, "_HOSTNAME=host",
              "MESSAGE=%s" % message]
    if unit:
        fields.append("_SYSTEMD_UNIT=%s" % unit)
    return "\n".join(fields) + "\n\n"


def test_the_journal_backend_ignores_a_success_another_program_logged(tmp_path):
    """`logger -t sshd` writes sshd's text under SYSLOG_IDENTIFIER=sshd, but journald's _COMM and
    _SYSTEMD_UNIT name the real writer: f2btune-sshd's journalmatch keeps it out (stock server,
    backend = systemd, a real journal file written by systemd-journal-remote)."""
    pytest.importorskip("systemd.journal")
    remote = "/lib/systemd/systemd-journal-remote"
    if not os.path.exists(remote) or not os.path.exists(STOCK_SERVER):
        pytest.skip("systemd-journal-remote or Debian's fail2ban not installed")
    G, H = "192.0.2.70", "192.0.2.80"
    recs = [journal_record(0, "sshd", "sshd", "ssh.service", "Server listening on 0.0.0.0 port 22."),
            journal_record(1, "sshd", "sshd", "ssh.service", "Accepted password for alice from %s port 1 ssh2" % G),
            journal_record(2, "logger", "sshd", "session-7.scope",
                           "Accepted password for alice from %s port 1 ssh2" % H)]
    for ip in (G, H):
        recs += [journal_record(len(recs), "sshd", "sshd", "ssh.service",
                                "Failed password for alice from %s port 2 ssh2" % ip) for _ in range(6)]
    jpath = str(tmp_path / "remote.journal")
    import subprocess
    subprocess.run([remote, "--output=" + jpath, "-"], input="".join(recs).encode(), check=True, capture_output=True)
    name, opts = jail("tolj", None, "systemd[journalfiles=%s]" % jpath, "1h")
    sb = StockSandbox([(name, [o for o in opts if o[0] != "logpath"])], workdir=str(tmp_path / "sb"))
    try:
        sb.start()
        sb.wait_jails_started(["tolj"])
        assert wait_for(lambda: H in sb.banned("tolj"), 30), sb.tail_output()
        failed_at_least(sb, "tolj", 12)
        assert tolerated(sb, "tolj") == {G: "alice"}
        assert G not in sb.banned("tolj")
    finally:
        sb.stop()
