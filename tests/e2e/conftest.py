"""The end-to-end lab: attacker and victim namespaces, kernel rules, rsyslog, a private fail2ban-server.

Nothing here touches the host's firewall: rules live in the victim namespace.  The one global
setting changed is the sysctl net.netfilter.nf_log_all_netns (LOG from a namespace reaches the
kernel log only with it); its old value is restored at teardown.  rsyslog reads /dev/kmsg
(imkmsg: every reader has its own cursor, so it coexists with any other syslog) and writes only
the lines of this lab's victim interface.
"""
import os
import shutil
import subprocess
import sys
import time

import pytest

from f2btune import netns, paths
from f2btune.f2b import interpreter_env
from f2btune.seed import VERIFIED_LOG_PREFIX
from tests.conftest import ROOT

JAIL = "f2btune-synflood"
PORT = 2222
VICTIM4, ATTACKER4, FRIEND4 = "192.0.2.2", "192.0.2.66", "192.0.2.77"
VICTIM6, ATTACKER6 = "fd00:f2b4:e2e::2", "fd00:f2b4:e2e::66"
# on-link addresses nobody holds: spoofed SYNs carry them, the SYN-ACKs go nowhere
BYSTANDER4, BYSTANDER6 = "192.0.2.99", "fd00:f2b4:e2e::99"
VERIFIED_JAIL = "f2btune-synflood-verified"
BANTIME = 20            # first ban; the second is BANTIME * 10 (bantime.multipliers = 1 10)
SYSCTL = "/proc/sys/net/netfilter/nf_log_all_netns"


class Lab(object):
    count = 0

    def __init__(self, tmp, action, mode="syn", serve=False, backend="iptables"):
        tag = str(os.getpid())
        self.tmp = tmp
        self.action = action
        self.mode = mode            # "syn": f2btune rules + f2btune-synflood; "verified": --verified + its jail
        self.jail = VERIFIED_JAIL if mode == "verified" else JAIL
        self.serve = serve          # a TCP server on PORT, so that connections complete
        self.backend = backend      # of f2btune rules
        self.server = None
        self.attacker = netns.Netns("f2bt-ban-ea" + tag)
        self.victim = netns.Netns("f2bt-ban-ev" + tag)
        # unique per lab: rsyslog (imkmsg replays the kernel's buffer at start) keeps only this
        # interface's lines, so no line from an earlier lab is read as a fresh one
        Lab.count += 1
        self.ifname = "b4v%s%d" % (tag, Lab.count)
        self.kernlog = os.path.join(tmp, "kern.log")
        self.f2blog = os.path.join(tmp, "fail2ban.log")
        self.confdir = os.path.join(tmp, "conf")
        self.rsyslog = None
        self.sysctl_old = None

    # -- set-up / teardown --------------------------------------------------------------------

    def up(self):
        self.attacker.create()
        self.victim.create()
        netns.veth(self.attacker.name, self.victim.name, "b4a%d%d" % (os.getpid(), Lab.count), self.ifname,
                   (ATTACKER4 + "/24", FRIEND4 + "/24", ATTACKER6 + "/64"),
                   (VICTIM4 + "/24", VICTIM6 + "/64"))
        p = subprocess.run([sys.executable, "-m", "f2btune", "rules", "--apply", "--netns", self.victim.name,
                            "--port", str(PORT), "--rate", "1/second", "--burst", "1",
                            "--log-rate", "50/second", "--backend", self.backend]
                           + (["--verified"] if self.mode == "verified" else []),
                           cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
        assert p.returncode == 0, p.stdout
        with open(SYSCTL) as f:
            self.sysctl_old = f.read().strip()
        with open(SYSCTL, "w") as f:
            f.write("1")
        self._start_rsyslog()
        self._write_config()
        if self.serve:
            self.server = netns.serve(self.victim.name, PORT)

    def down(self):
        try:
            self.f2b("stop", check=False)
        finally:
            if self.server is not None:
                self.server.kill()
                self.server.wait()
            if self.rsyslog is not None:
                self.rsyslog.terminate()
                try:
                    self.rsyslog.wait(10)
                except subprocess.TimeoutExpired:
                    self.rsyslog.kill()
            if self.sysctl_old is not None:
                with open(SYSCTL, "w") as f:
                    f.write(self.sysctl_old)
            # also kills a fail2ban-server that did not stop
            self.victim.delete()
            self.attacker.delete()

    def _start_rsyslog(self):
        conf = os.path.join(self.tmp, "rsyslog.conf")
        with open(conf, "w") as f:
            f.write('global(workDirectory="%s")\n' % self.tmp)
            f.write('module(load="imkmsg")\n')
            # classic kern.log layout; the time is when rsyslog got the line
            f.write('template(name="kern" type="string" string="%timegenerated% %HOSTNAME% '
                    '%syslogtag%%msg:::sp-if-no-1st-sp%%msg:::drop-last-lf%\\n")\n')
            f.write('if $msg contains "IN=%s " then action(type="omfile" file="%s" template="kern")\n'
                    % (self.ifname, self.kernlog))
        open(self.kernlog, "a").close()
        self.rsyslog = subprocess.Popen(["rsyslogd", "-n", "-f", conf, "-i", os.path.join(self.tmp, "rsyslog.pid")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def _write_config(self):
        paths.build_confdir(self.confdir)
        with open(os.path.join(self.confdir, "fail2ban.local"), "w") as f:
            f.write("[Definition]\nloglevel = INFO\nlogtarget = %s\nsocket = %s\npidfile = %s\n"
                    "dbfile = %s\n" % (self.f2blog, os.path.join(self.tmp, "f2b.sock"),
                                       os.path.join(self.tmp, "f2b.pid"), os.path.join(self.tmp, "f2b.sqlite3")))
        action = ("f2btune-ipset.py[name=synflood, port=\"%d\", protocol=tcp, blocktype=DROP]" % PORT
                  if self.action == "f2btune-ipset.py" else self.action)
        # the verified jail ships reading the journal; here it reads the lab's kern.log
        flt = ('filter = f2btune-synflood[mode=verified, logprefix="%s", logtype=file]\n' % VERIFIED_LOG_PREFIX
               if self.mode == "verified" else "")
        with open(os.path.join(self.confdir, "jail.d", "zz-e2e.local"), "w") as f:
            f.write("[%s]\nenabled = true\n%slogpath = %s\nbackend = pyinotify\nmaxretry = 3\n"
                    "findtime = 60\nbantime = %d\nbantime.multipliers = 1 10\nport = %d\n"
                    "ignoreip = 127.0.0.1/8 ::1 %s\naction = %s\n"
                    % (self.jail, flt, self.kernlog, BANTIME, PORT, FRIEND4, action))

    # -- helpers ---------------------------------------------------------------------------------

    def f2b(self, *args, check=True):
        """fail2ban-client with the private config, run inside the victim namespace; the server
        it starts (Debian's, /usr/bin/python3) imports f2btune from this source tree."""
        p = self.victim.run(["fail2ban-client", "-c", self.confdir] + list(args), check=False,
                            env=interpreter_env())
        if check and p.returncode:
            raise AssertionError("fail2ban-client %s: %s%s\n--- fail2ban.log:\n%s" % (
                " ".join(args), p.stdout, p.stderr, self.tail(self.f2blog)))
        return p.stdout

    def start(self):
        self.f2b("start")
        self.wait(lambda: "Currently banned" in self.f2b("status", self.jail, check=False), 20, "jail start")

    def ends(self):
        """{ip: end of ban (epoch s, 1 s resolution)} as fail2ban sees it (get JAIL banip --with-time)."""
        return ban_ends(self.f2b("get", self.jail, "banip", "--with-time"))

    def banned(self):
        """{ip: seconds left} as fail2ban sees it."""
        return seconds_left(self.ends())

    def kernel(self, family=4):
        """{ip: kernel timeout} of the action's set in the victim namespace ({} if absent)."""
        name = "f2bt-synflood" if family == 4 else "f2bt6-synflood"
        p = self.victim.run(["ipset", "save", name], check=False)
        out = {}
        for line in p.stdout.splitlines():
            parts = line.split()
            if parts[:1] == ["add"]:
                out[parts[2]] = int(parts[parts.index("timeout") + 1]) if "timeout" in parts else 0
        return out

    def flood(self, dst, src, count=25):
        netns.send_syns(self.attacker.name, dst, PORT, count, interval=0.01, src=src)

    def probe(self, dst, src):
        return netns.probe(self.attacker.name, dst, PORT, timeout=1.5, src=src)

    @staticmethod
    def wait(cond, timeout, what):
        end = time.time() + timeout
        while time.time() < end:
            value = cond()
            if value:
                return value
            time.sleep(0.25)
        raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))

    @staticmethod
    def tail(path, n=40):
        try:
            with open(path) as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return "(no %s)" % path


def ban_ends(out):
    """{ip: end of ban (epoch s)} from the output of ``fail2ban-client get JAIL banip --with-time``."""
    ends = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 8 and parts[3] == "+" and parts[5] == "=":
            ends[parts[0]] = time.mktime(time.strptime(parts[6] + " " + parts[7], "%Y-%m-%d %H:%M:%S"))
    return ends


def seconds_left(ends):
    """{ip: seconds left} of :func:`ban_ends`' result."""
    now = time.time()
    return dict((ip, end - now) for ip, end in ends.items())


def _lab(tmp_path, action, **options):
    for tool in ("rsyslogd", "fail2ban-client", "ipset", "iptables", "ip6tables", options.get("backend", "iptables")):
        if not shutil.which(tool):
            pytest.skip("%s not installed" % tool)
    if not os.path.exists(SYSCTL):
        pytest.skip("kernel without nf_log_all_netns")
    lab = Lab(str(tmp_path), action, **options)
    try:
        lab.up()
        yield lab
    finally:
        lab.down()


@pytest.fixture
def lab(tmp_path, as_root):
    """The lab with f2btune-ipset.py (F2BTUNE_E2E_ACTION=dummy swaps in fail2ban's dummy)."""
    for value in _lab(tmp_path, os.environ.get("F2BTUNE_E2E_ACTION", "f2btune-ipset.py")):
        yield value


@pytest.fixture
def dummy_lab(tmp_path, as_root):
    """The lab with fail2ban's dummy action: bans that never reach the kernel."""
    for value in _lab(tmp_path, "dummy"):
        yield value


@pytest.fixture(params=[("syn", "iptables"), ("verified", "iptables"), ("verified", "nft")],
                ids=lambda p: "-".join(p))
def served_lab(request, tmp_path, as_root):
    """The lab in each mode (and verified with both rule backends) with a TCP server on the
    victim's port, so connections complete."""
    mode, backend = request.param
    for value in _lab(tmp_path, "f2btune-ipset.py", mode=mode, serve=True, backend=backend):
        yield value
