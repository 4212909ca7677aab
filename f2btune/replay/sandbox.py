"""A private fail2ban-server: own config dir, socket, pid file, database and log; nothing on the host.

The config dir is :func:`f2btune.paths.build_confdir` (stock /etc/fail2ban linked, f2btune's
snippets copied) plus a ``fail2ban.local`` pointing every path into the sandbox and a
``jail.local`` with the jails given.  The server is started through ``f2btune.server``
(so ``backend = f2btune`` works), in the foreground, optionally under another interpreter,
inside a network namespace (``ip netns exec``) and inside a CPU cgroup.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from f2btune.errors import F2btuneError
from f2btune.paths import build_confdir

CLIENT = "/usr/bin/fail2ban-client"


def jail_text(name, options):
    """An INI section for jail.local; options is a list of (key, value) (multi-line values ok)."""
    lines = ["[%s]" % name]
    for k, v in options:
        v = str(v).replace("\n", "\n    ")
        lines.append("%s = %s" % (k, v))
    return "\n".join(lines) + "\n"


class Sandbox(object):
    """One private server. Use as a context manager; ``start()``, ``client()``, ``stop()``."""

    def __init__(self, jails, workdir=None, loglevel="INFO", python=None, netns=None,
                 cgroup=None, dbfile=True, extra_files=None, dbpurgeage="1d", keep=False):
        self.own_dir = workdir is None
        self.dir = workdir or tempfile.mkdtemp(prefix="f2btune-replay-%d-" % os.getpid())
        self.conf = os.path.join(self.dir, "conf")
        self.run_dir = os.path.join(self.dir, "run")
        os.makedirs(self.run_dir, exist_ok=True)
        self.socket = os.path.join(self.run_dir, "f2b.sock")
        self.pidfile = os.path.join(self.run_dir, "f2b.pid")
        self.dbfile = os.path.join(self.run_dir, "f2b.sqlite3") if dbfile else "None"
        self.logfile = os.path.join(self.run_dir, "fail2ban.log")
        self.loglevel = loglevel
        self.python = python
        self.netns = netns
        self.cgroup = cgroup
        self.jails = jails
        self.extra_files = extra_files or {}
        self.dbpurgeage = dbpurgeage
        self.keep = keep
        self.proc = None
        self.pid = None
        self._stderr = None
        self.write_config()

    # -- configuration ---------------------------------------------------------------------
    def write_config(self):
        if not os.path.isdir(self.conf):
            build_confdir(self.conf)
        with open(os.path.join(self.conf, "fail2ban.local"), "w") as f:
            f.write("[Definition]\nloglevel = %s\nlogtarget = %s\nsocket = %s\npidfile = %s\n"
                    "dbfile = %s\ndbpurgeage = %s\nallowipv6 = auto\n"
                    % (self.loglevel, self.logfile, self.socket, self.pidfile, self.dbfile, self.dbpurgeage))
        text = "[DEFAULT]\n\n" + "\n".join(jail_text(n, o) for n, o in self.jails)
        with open(os.path.join(self.conf, "jail.local"), "w") as f:
            f.write(text)
        for rel, content in self.extra_files.items():
            p = os.path.join(self.conf, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            if os.path.lexists(p):
                os.unlink(p)
            with open(p, "w") as f:
                f.write(content)

    # -- life cycle ------------------------------------------------------------------------
    def command(self):
        from f2btune.server import server_command
        args = ["-f", "-x", "-c", self.conf, "-s", self.socket, "-p", self.pidfile,
                "--loglevel", self.loglevel, "--logtarget", self.logfile, "start"]
        cmd = server_command(args, self.python)
        if self.netns:
            cmd = ["ip", "netns", "exec", self.netns] + cmd
        return cmd

    def start(self, timeout=60.0):
        from f2btune.f2b import interpreter_env
        env = interpreter_env(self.python) if self.python else dict(os.environ)
        env["PYTHONNOUSERSITE"] = "1"
        self._stderr = open(os.path.join(self.run_dir, "server.stderr"), "w+")
        preexec = None
        if self.cgroup is not None:
            cg = self.cgroup

            def preexec():
                cg.add_pid(os.getpid())
        self.proc = subprocess.Popen(self.command(), stdout=self._stderr, stderr=subprocess.STDOUT,
                                     env=env, preexec_fn=preexec, start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise F2btuneError("fail2ban-server exited at start (status %s): %s"
                                   % (self.proc.returncode, self.tail_output()))
            if os.path.exists(self.socket):
                try:
                    r = self.client("ping", check=False, timeout=10)
                except subprocess.TimeoutExpired:     # a server under a small CPU quota starts slowly
                    continue
                if r.returncode == 0:
                    break
            time.sleep(0.05)
        else:
            self.stop()
            raise F2btuneError("fail2ban-server did not answer within %ds: %s" % (timeout, self.tail_output()))
        self.pid = self._server_pid()
        return self

    def wait_jails_started(self, names, timeout=60.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            r = self.client("status", check=False)
            if r.returncode == 0 and all(n in r.stdout for n in names):
                return True
            time.sleep(0.05)
        raise F2btuneError("jails %s did not start: %s" % (", ".join(names), self.tail_output()))

    def _server_pid(self):
        """The pid of the python process running the server (under ip netns exec, the exec'd one)."""
        for _ in range(100):
            try:
                with open(self.pidfile) as f:
                    return int(f.read().strip())
            except (OSError, ValueError):
                time.sleep(0.02)
        return self.proc.pid

    def client(self, *args, check=True, timeout=30):
        cmd = [sys.executable if os.path.exists(CLIENT) else CLIENT, CLIENT,
               "-c", self.conf, "-s", self.socket] + [str(a) for a in args]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                           env=dict(os.environ, PYTHONNOUSERSITE="1"))
        if check and r.returncode != 0:
            raise F2btuneError("fail2ban-client %s failed: %s%s" % (" ".join(map(str, args)), r.stdout, r.stderr))
        return r

    def banned(self, jail):
        """Set of addresses currently banned in ``jail`` (from the server)."""
        r = self.client("get", jail, "banned")
        text = r.stdout.strip()
        try:
            import ast
            return set(ast.literal_eval(text))
        except (ValueError, SyntaxError):
            return set(text.split())

    def stop(self, timeout=30.0):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                self.client("stop", check=False, timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.proc = None
        if self._stderr:
            self._stderr.close()
            self._stderr = None

    def tail_output(self, n=2000):
        out = ""
        for p in (os.path.join(self.run_dir, "server.stderr"), self.logfile):
            try:
                with open(p, errors="replace") as f:
                    out += f.read()[-n:]
            except OSError:
                pass
        return out.strip()

    def cleanup(self):
        self.stop()
        if self.own_dir and not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()

