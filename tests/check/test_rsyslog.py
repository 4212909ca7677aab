"""f2btune/check/rsyslog.py: the parser, and its verdicts against a real rsyslogd fed forged lines.

The chain test runs a private rsyslogd with Debian 12's rules (tests/files/rsyslog/debian12.conf,
paths moved into a temporary directory, its own socket instead of /dev/log, no kernel input) and
writes forged kernel LOG lines to that socket as an unprivileged user would: with ``logger -t kernel``
and as a raw datagram claiming facility kern.  Every file the check calls open to local programs
must have received a forged line, and the file it calls kernel-only must have received none.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

from f2btune.check import rsyslog
from f2btune.check.spoof import file_verdict
from tests.check.test_spoof import DEBIAN, syslog_root

FORGED = ("f2b-syn: IN=eth0 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 SRC=%s DST=192.0.2.1 LEN=60 "
          "TOS=0x00 PREC=0x00 TTL=52 ID=0 DF PROTO=TCP SPT=40000 DPT=22 WINDOW=64240 RES=0x00 SYN URGP=0")
BY_LOGGER, BY_DATAGRAM = "192.0.2.77", "192.0.2.78"
KERNEL_ONLY = {"30-nf.conf": ':inputname, isequal, "imkmsg" /var/log/netfilter.log\n'}


def test_parse_debian_default(tmp_path):
    conf, logdir = syslog_root(tmp_path)
    parsed = rsyslog.parse(conf)
    by_target = {t: r for r in parsed.rules for t in r.targets}
    assert by_target[os.path.join(logdir, "syslog")].filter == "*.*;auth,authpriv.none"
    assert by_target[os.path.join(logdir, "kern.log")].reach == "user"
    assert parsed.blocks == []        # module(), $-directives: nothing that routes messages unparsed


def test_parse_forms(tmp_path):
    conf = tmp_path / "rsyslog.conf"
    conf.write_text(
        "# comment with /var/log/x.log\n"
        "*.=debug;\\\n  auth,authpriv.none;\\\n  mail.none  -/var/log/debug\n"
        "mail.none;auth.none /var/log/never\n"
        ':msg, contains, "a # b" /var/log/msg.log;RSYSLOG_TraditionalFileFormat\n'
        "& :omfile:-/var/log/copy.log\n"
        "& stop\n"
        'kern.* action(type="omfile" file="/var/log/k.log")\n'
        'if $programname == "x" then {\n  action(type="omfile"\n    file="/var/log/x.log")\n}\n'
        'include(file="%s/missing/*.conf")\n' % tmp_path)
    parsed = rsyslog.parse(str(conf))
    targets = {t: r.reach for r in parsed.rules for t in r.targets}
    assert targets == {"/var/log/debug": "user", "/var/log/msg.log": "user", "/var/log/copy.log": "user",
                       "/var/log/k.log": "user"}
    assert [b.line for b in parsed.blocks] == [10]
    assert parsed.writers("/var/log/x.log")[1] and not parsed.writers("/var/log/x.log")[0]
    assert parsed.writers("/var/log/*.log")[0]


def test_unreadable_config_is_a_note(tmp_path):
    conf = tmp_path / "rsyslog.conf"
    conf.write_text("$IncludeConfig %s/*.conf\n" % tmp_path)
    os.mkfifo(str(tmp_path / "fifo.conf"))          # would hang a naive reader: never opened
    verdict, reason = file_verdict("/var/log/kern.log", str(conf))
    assert verdict == "unknown" and "not a regular file" in reason


@pytest.fixture
def private_rsyslogd(tmp_path):
    """rsyslogd with Debian's rules under a directory an unprivileged user can reach; yields
    (socket path, rsyslog.conf, log directory)."""
    if not shutil.which("rsyslogd") or not shutil.which("logger"):
        pytest.skip("rsyslogd and logger needed")
    top = tempfile.mkdtemp(prefix="f2btune-rsyslog-")
    os.chmod(top, 0o755)
    conf, logdir = syslog_root(__import__("pathlib").Path(top), KERNEL_ONLY)
    sock = os.path.join(top, "log.sock")
    with open(conf) as f:
        text = f.read()
    text = text.replace('module(load="imuxsock")', 'module(load="imuxsock" SysSock.Use="off")\n'
                        'input(type="imuxsock" Socket="%s")' % sock)
    text = text.replace('module(load="imklog")', "").replace("$WorkDirectory /var/spool/rsyslog",
                                                               "$WorkDirectory %s" % top)
    text = "\n".join(l for l in text.splitlines() if not l.startswith(("$FileOwner", "$FileGroup")))
    with open(conf, "w") as f:
        f.write(text + "\n")
    proc = subprocess.Popen(["rsyslogd", "-n", "-f", conf, "-i", os.path.join(top, "pid")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait(lambda: os.path.exists(sock) or proc.poll() is not None, "rsyslogd's socket")
        assert proc.poll() is None, proc.stderr.read()
        os.chmod(sock, 0o666)           # as /dev/log: every local user may write
        yield sock, conf, logdir
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(top, ignore_errors=True)


def _wait(cond, what, timeout=30):
    end = time.time() + timeout
    while not cond():
        assert time.time() < end, "timed out waiting for %s" % what
        time.sleep(0.05)


def _as_nobody():
    if os.geteuid() == 0:
        os.setgid(65534)
        os.setuid(65534)


def test_verdicts_match_a_real_rsyslogd(private_rsyslogd):
    sock, conf, logdir = private_rsyslogd
    subprocess.run(["logger", "-u", sock, "-t", "kernel", FORGED % BY_LOGGER], check=True, preexec_fn=_as_nobody)
    datagram = ("<4>kernel: [ 1234.567890] " + FORGED % BY_DATAGRAM).encode()
    subprocess.run(["python3", "-c", "import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)"
                    ".sendto(sys.argv[1].encode(), sys.argv[2])", datagram.decode(), sock],
                   check=True, preexec_fn=_as_nobody)
    # one more message through the same socket: once it is written, the forgeries were handled
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.sendto(b"<14>f2btune-test: end of forgeries", sock)
    s.close()
    syslog = os.path.join(logdir, "syslog")
    _wait(lambda: "end of forgeries" in open(syslog).read(), "the end marker in syslog")

    received = {}
    for name in ("syslog", "kern.log", "netfilter.log"):
        with open(os.path.join(logdir, name)) as f:
            text = f.read()
        received[name] = [a for a in (BY_LOGGER, BY_DATAGRAM) if "kernel: " in text and "SRC=%s " % a in text]
    assert received == {"syslog": [BY_LOGGER, BY_DATAGRAM], "kern.log": [BY_DATAGRAM], "netfilter.log": []}
    for name, got in received.items():
        verdict, reason = file_verdict(os.path.join(logdir, name), conf)
        assert verdict == ("user" if got else "kernel"), (name, reason)

    # and fail2ban's f2btune-synflood reads the forged syslog line as a kernel one
    from f2btune.suggest.prove import failures
    from tests.filter_d.test_synflood import flt
    with open(syslog) as f:
        forged = [l.rstrip("\n") for l in f if "SRC=%s " % BY_LOGGER in l]
    assert failures(flt(), forged) == [BY_LOGGER]
