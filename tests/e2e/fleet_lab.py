"""Two hosts and a CrowdSec LAPI in network namespaces: the fleet lab.

  f2bt19-l  the LAPI (Debian's crowdsec, LAPI-only, SQLite) and the "internet": the attackers'
            addresses live on its interface towards host B
  f2bt19-a  host A: fail2ban-server, a jail with f2btune-ipset.py + f2btune-crowdsec.py
  f2bt19-b  host B: fail2ban-server with ignoreip, and 'f2btune fleet pull'

A reaches the LAPI at 10.19.1.1, B at 10.19.2.1 (one veth pair each).  Only these namespaces'
firewalls are changed; all three are deleted at the end.
"""
import os
import re
import subprocess
import sys
import time

from f2btune import netns, paths
from f2btune.f2b import interpreter_env
from tests.conftest import ROOT
from tests.e2e.conftest import Lab, ban_ends, seconds_left
from tests.fleet.lapi_lab import Lapi

PORT = 2222
B4 = "10.19.2.2"
ATTACKER, ATTACKER6, FRIEND = "10.19.2.66", "fd00:19:2::66", "10.19.2.77"
B6 = "fd00:19:2::2"
LAPI_PORT = 18019
BANTIME = 600
JAIL = "f2bt19-sshd"
BAD_JAIL = "f2bt19-bad"
BOUNCER_KEY = "f2bt19-bouncer-key-0123456789"


class Host(object):
    def __init__(self, lab, name, lapi_addr, password):
        self.name = name
        self.ns = netns.Netns("f2bt19-" + name)
        self.dir = os.path.join(lab.tmp, name)
        self.confdir = os.path.join(self.dir, "conf")
        self.log = os.path.join(self.dir, "fail2ban.log")
        self.authlog = os.path.join(self.dir, "auth.log")
        self.fleet_conf = os.path.join(self.dir, "fleet.conf")
        self.url = "http://%s:%d/" % (lapi_addr, LAPI_PORT)
        self.password = password
        self.puller = None
        self.pool = None

    def write(self, ignore="", password=None, bad=False, interval=0.5):
        os.makedirs(self.dir, exist_ok=True)
        write_fleet_conf(self.fleet_conf, self.url, "host" + self.name, password or self.password,
                         os.path.join(self.dir, "state"), interval)
        bad_conf = os.path.join(self.dir, "bad.conf")
        write_fleet_conf(bad_conf, self.url, "host" + self.name, "wrong-password-123",
                         os.path.join(self.dir, "bad-state"))
        paths.build_confdir(self.confdir)
        with open(os.path.join(self.confdir, "fail2ban.local"), "w") as f:
            f.write("[Definition]\nloglevel = INFO\nlogtarget = %s\nsocket = %s\npidfile = %s\ndbfile = %s\n"
                    % (self.log, os.path.join(self.dir, "f2b.sock"), os.path.join(self.dir, "f2b.pid"),
                       os.path.join(self.dir, "f2b.sqlite3")))
        open(self.authlog, "a").close()
        jails = ("[%s]\nenabled = true\nfilter = f2btune-sshd\nlogpath = %s\nbackend = polling\n"
                 "maxretry = 3\nfindtime = 600\nbantime = %d\nignoreip = 127.0.0.1/8 ::1 %s\n"
                 "action = f2btune-ipset.py[name=f2bt19s, port=\"%d\", protocol=tcp]\n"
                 "         f2btune-crowdsec.py[config=\"%s\"]\n"
                 % (JAIL, self.authlog, BANTIME, ignore, PORT, self.fleet_conf))
        if bad:
            jails += ("\n[%s]\nenabled = true\nfilter = f2btune-sshd\nlogpath = %s\nbackend = polling\n"
                      "bantime = %d\naction = f2btune-ipset.py[name=f2bt19x, port=\"%d\", protocol=tcp]\n"
                      "         f2btune-crowdsec.py[config=\"%s\"]\n"
                      % (BAD_JAIL, self.authlog + ".bad", BANTIME, PORT, bad_conf))
            open(self.authlog + ".bad", "a").close()
        with open(os.path.join(self.confdir, "jail.d", "zz-fleet.local"), "w") as f:
            f.write(jails)

    def f2b(self, *args, check=True):
        p = subprocess.run(netns.exec_args(self.ns.name, ["fail2ban-client", "-c", self.confdir] + list(args)),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                           env=interpreter_env())
        if check and p.returncode:
            raise AssertionError("host %s: fail2ban-client %s: %s\n--- fail2ban.log:\n%s"
                                 % (self.name, " ".join(args), p.stdout, tail(self.log)))
        return p.stdout

    def start(self):
        self.f2b("start")
        wait(lambda: "Currently banned" in self.f2b("status", JAIL, check=False), 30, "jail start on " + self.name)

    def banned(self, jail=JAIL):
        """{ip: seconds left} as fail2ban sees it."""
        return seconds_left(ban_ends(self.f2b("get", jail, "banip", "--with-time")))

    def fail(self, ip, count=3):
        """``count`` sshd failure lines from ``ip`` in this host's auth.log."""
        stamp = time.strftime("%b %e %H:%M:%S")
        with open(self.authlog, "a") as f:
            for k in range(count):
                f.write("%s host%s sshd[%d]: Failed password for root from %s port %d ssh2\n"
                        % (stamp, self.name, 1000 + k, ip, 40000 + k))

    def ipset(self, name):
        """{entry: timeout left} of ipset ``name`` in this namespace ({} if absent), over netlink."""
        if self.pool is None:
            self.pool = self.ns.pool()
        return self.pool.apply(_members, (name,))

    def start_puller(self):
        self.pull_log = os.path.join(self.dir, "pull.log")
        out = open(self.pull_log, "a")
        self.puller = subprocess.Popen(
            netns.exec_args(self.ns.name, [sys.executable, "-m", "f2btune", "fleet", "--config", self.fleet_conf,
                                           "pull", "--confdir", self.confdir]),
            stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env=interpreter_env())
        out.close()
        wait(lambda: os.path.exists(os.path.join(self.dir, "state", "pull.json")) or self.puller.poll() is not None,
             30, "fleet pull start on " + self.name)
        assert self.puller.poll() is None, tail(self.pull_log)

    def close(self):
        self.stop_puller()
        if self.pool is not None:
            self.pool.terminate()
            self.pool = None

    def stop_puller(self):
        if self.puller is not None and self.puller.poll() is None:
            self.puller.terminate()
            try:
                self.puller.wait(10)
            except subprocess.TimeoutExpired:
                self.puller.kill()
        self.puller = None

    def errors(self, pattern):
        try:
            with open(self.log) as f:
                return [l for l in f if " ERROR " in l and re.search(pattern, l)]
        except OSError:
            return []


def write_fleet_conf(path, url, machine, password, state_dir, interval=0.5):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("[lapi]\nurl = %s\nmachine_id = %s\npassword = %s\nbouncer_key = %s\n"
                "[push]\nstate_dir = %s\n[pull]\ninterval = %s\nset = f2bt19\n"
                % (url, machine, password, BOUNCER_KEY, state_dir, interval))
    os.chmod(path, 0o600)


class FleetLab(object):
    def __init__(self, tmp):
        self.tmp = tmp
        self.l = netns.Netns("f2bt19-l")
        self.lapi = Lapi(tmp, listen="0.0.0.0:%d" % LAPI_PORT, ns=self.l.name)
        self.lapi.url = "http://10.19.1.1:%d/" % LAPI_PORT
        self.a = Host(self, "a", "10.19.1.1", "pw-host-a-0123456789")
        self.b = Host(self, "b", "10.19.2.1", "pw-host-b-0123456789")

    def up(self, bad=False, interval=0.5):
        for ns in (self.l, self.a.ns, self.b.ns):
            ns.delete()
            ns.create()
        netns.veth(self.l.name, self.a.ns.name, "f2bt19la", "f2bt19al", ("10.19.1.1/24",), ("10.19.1.2/24",))
        netns.veth(self.l.name, self.b.ns.name, "f2bt19lb", "f2bt19bl",
                   ("10.19.2.1/24", ATTACKER + "/24", FRIEND + "/24", "fd00:19:2::1/64", ATTACKER6 + "/64"),
                   ("%s/24" % B4, B6 + "/64"))
        self.lapi.write_config()
        self.lapi.add_machine("hosta", self.a.password)
        self.lapi.add_machine("hostb", self.b.password)
        self.lapi.add_bouncer("f2bt19-b", BOUNCER_KEY)
        self.lapi.start()
        self.a.write(bad=bad, interval=interval)
        self.b.write(ignore=FRIEND, interval=interval)

    def down(self):
        for host in (self.a, self.b):
            host.close()
            try:
                host.f2b("stop", check=False)
            except Exception:
                pass
        self.lapi.stop()
        for ns in (self.a.ns, self.b.ns, self.l):
            ns.delete()

    def probe(self, src, dst=B4):
        """A connect() to host B from ``src``: "refused" (B answers) or "dropped" (blocked)."""
        return netns.probe(self.l.name, dst, PORT, timeout=1.0, src=src)

    def db(self, sql, args=()):
        """Rows of a query on the LAPI's own SQLite database (read-only)."""
        import sqlite3
        con = sqlite3.connect("file:%s?mode=ro" % os.path.join(self.lapi.dir, "data", "crowdsec.db"), uri=True)
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()

    def alerts(self, ip):
        """Messages of the alerts the LAPI holds for ``ip`` (a ban pushed twice shows twice)."""
        return [r[0] for r in self.db("SELECT message FROM alerts WHERE source_value = ?", (ip,))]


def wait(cond, timeout, what, step=0.05):
    end = time.time() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.time() >= end:
            raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))
        time.sleep(step)


def _members(name):
    from f2btune.kernel.ipset import Ipset, IpsetError
    s = Ipset()
    try:
        return dict((entry, m.timeout) for entry, m in s.members(name).items())
    except IpsetError as e:
        if e.gone:
            return {}
        raise
    finally:
        s.close()


tail = Lab.tail
