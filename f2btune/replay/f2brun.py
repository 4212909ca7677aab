"""One fail2ban run of a replay: a sandboxed server in its own network namespace, fed the flood.

The server (``f2btune server``: fail2ban's own server with f2btune's backends registered) and
a ban watcher run inside a network namespace created for the run, so the firewall actions
change only that namespace; it is deleted afterwards.  The flood goes to a log file in the
sandbox, or, with ``source = "journal"``, through ``systemd-journal-remote`` into a journal file
the jail reads with ``journalfiles``.  The window itself is :func:`.measure.measure`.
"""
import os
import shutil
import subprocess
import sys
import threading
import time

from f2btune.errors import DependencyError
from f2btune.replay.measure import measure, total_cpu, wait_idle
from f2btune.procstat import read_bytes, thread_cpu
from f2btune.replay.due import seconds
from f2btune.replay.profiles import have_tuned_action, profile_setup, settings
from f2btune.replay.sandbox import Sandbox

JOURNAL_REMOTE = "/lib/systemd/systemd-journal-remote"


def end_by_stdin(proc, timeout):
    """Close the stdin of ``proc`` (its signal to end) and reap it; kill it after ``timeout``."""
    try:
        proc.stdin.close()
    except OSError:
        pass
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


class Watcher(object):
    """The ban watcher process inside the namespace; fills writer.banned."""

    def __init__(self, netns, writer, interval=0.005):
        cmd = [sys.executable, "-m", "f2btune.replay.watcher", str(interval)]
        if netns:
            cmd = ["ip", "netns", "exec", netns] + cmd
        from f2btune.f2b import interpreter_env
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, env=interpreter_env(sys.executable))
        line = self.proc.stdout.readline()
        if not line.startswith(b"ready"):
            self.close()
            raise DependencyError("the ban watcher did not start (python3-pyroute2 missing?)")
        self.writer = writer
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        banned = self.writer.banned
        for line in self.proc.stdout:
            parts = line.split()
            if len(parts) == 2:
                addr = parts[1].decode()
                if addr not in banned:
                    banned[addr] = float(parts[0])

    def close(self):
        end_by_stdin(self.proc, 5)


class JournalFeed(object):
    """``systemd-journal-remote`` writing the export records on its stdin to ``path`` (.journal)."""

    def __init__(self, path):
        exe = shutil.which("systemd-journal-remote") or JOURNAL_REMOTE
        if not os.path.exists(exe):
            raise DependencyError("systemd-journal-remote not found (apt-get install systemd-journal-remote)")
        self.path = path
        self.proc = subprocess.Popen([exe, "--output=%s" % path, "-"], stdin=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # one record first, so that the file exists when the jail opens it
        self.proc.stdin.write(b"__REALTIME_TIMESTAMP=%d\nMESSAGE=replay starts\nSYSLOG_IDENTIFIER=f2btune\n\n"
                              % int(time.time() * 1e6))
        self.proc.stdin.flush()
        deadline = time.time() + 30
        while not os.path.exists(path):
            if time.time() > deadline or self.proc.poll() is not None:
                self.close()
                raise DependencyError("systemd-journal-remote did not create %s" % path)
            time.sleep(0.02)

    @property
    def stream(self):
        return self.proc.stdin

    def close(self):
        end_by_stdin(self.proc, 10)


class ServerTarget(object):
    def __init__(self, sb, label):
        self.sb, self.label = sb, label
        self.readable = True

    def pids(self):
        return [self.sb.pid]

    def read_bytes(self):
        return read_bytes(self.sb.pid) if self.readable else None


def backend_stats(sb, jail):
    r = sb.client("status", jail, check=False)
    for line in r.stdout.splitlines():
        if "f2btune:" in line:
            out = {}
            for kv in line.split("f2btune:", 1)[1].split():
                k, _, v = kv.partition("=")
                try:
                    out[k] = int(v)
                except ValueError:
                    pass
            return out
    return None


class Fail2banRun(object):
    """A sandboxed server of ``profile`` in a fresh namespace, its log (or journal feed) ready.

    ``cap_after_start``: the CPU quota applies once the server is up (start-up is paid once,
    whatever the budget), else from the first instruction.  Use as a context manager."""

    def __init__(self, profile, kind="synflood", source="file", python=None, cpu_quota=None,
                 backend_opts=None, progress=None, keep=None, cap_after_start=True):
        from f2btune.netns import Netns
        from f2btune.replay.cgroup import CpuQuota
        say = progress or (lambda msg: None)
        if keep is None:                   # debugging: keep the sandbox (config, logs, database)
            keep = bool(os.environ.get("F2BTUNE_REPLAY_KEEP"))
        tag = "%d-%d" % (os.getpid(), int(time.time() * 1000) % 100000)
        self.profile, self.source = profile, source
        self.label = profile if profile in ("stock", "tuned") else os.path.basename(profile)
        self.pyname = os.path.basename(python) if python else os.path.basename(sys.executable)
        self.ns = Netns("f2bt-rp-%s" % tag)
        self.quota = self.sb = self.feed = None
        self.ns.create()
        try:
            if cpu_quota:
                self.quota = CpuQuota("f2btune-replay-%s" % tag, cpu_quota)
            self.sb = sb = Sandbox([], python=python, netns=self.ns.name, keep=keep,
                                   cgroup=None if cap_after_start else self.quota)
            self.logpath = os.path.join(sb.dir, "flood.journal" if source == "journal" else "flood.log")
            if source == "journal":
                self.feed = JournalFeed(self.logpath)
            else:
                open(self.logpath, "w").close()
            self.jail, opts, loglevel, extra, self.maxretry = profile_setup(
                profile, self.logpath, kind=kind, source=source, backend_opts=backend_opts)
            self.findtime = seconds(dict(opts).get("findtime", settings(kind)["findtime"]))
            if profile == "tuned" and not have_tuned_action(sb.conf):
                raise DependencyError("action.d/f2btune-ipset.py is missing: the tuned profile needs it")
            sb.jails, sb.loglevel, sb.extra_files = [(self.jail, opts)], loglevel, extra
            sb.write_config()
            say("%s/%s: starting fail2ban-server in netns %s%s" % (
                self.label, self.pyname, self.ns.name, (" (%s)" % self.quota.describe()) if self.quota else ""))
            sb.start()
            sb.wait_jails_started([self.jail])
            if cap_after_start and self.quota:
                wait_idle([sb.pid])               # the rest of start-up, uncapped too
                self.quota.add_pid(sb.pid)
        except BaseException:
            self.close()
            raise

    def target(self):
        t = ServerTarget(self.sb, self.label)
        t.readable = self.source != "journal"        # the journal is read through mmap
        return t

    def close(self):
        if self.feed is not None:
            self.feed.close()
        if self.sb is not None:
            self.sb.cleanup()
        if self.quota is not None:
            self.quota.remove()
        self.ns.delete()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def run_fail2ban(profile, make_writer, kind="synflood", source="file", python=None, cpu_quota=None,
                 backend_opts=None, settle_s=None, progress=None, keep=None):
    """One fail2ban run; ``make_writer(path, maxretry, journal_stream)`` builds the flood writer.

    Returns (row, lag samples)."""
    say = progress or (lambda msg: None)
    with Fail2banRun(profile, kind=kind, source=source, python=python, cpu_quota=cpu_quota,
                     backend_opts=backend_opts, progress=progress, keep=keep) as run:
        sb = run.sb
        writer = make_writer(run.logpath, run.maxretry, run.feed.stream if run.feed else None,
                             findtime=run.findtime)
        watcher = Watcher(run.ns.name, writer)
        try:
            threads0 = thread_cpu(sb.pid)
            say("%s/%s: writing the flood" % (run.label, run.pyname))
            row, lag = measure(run.target(), writer, settle_s=settle_s)
            threads1 = thread_cpu(sb.pid)
        finally:
            watcher.close()
        row.update({
            "profile": run.label, "python": run.pyname, "peer": None, "cpu_quota": cpu_quota,
            # the share of the CPU budget the quota gives, over the window
            "cpu_budget_share": round(row["cpu_s"] / (cpu_quota / 100.0 * row["window_s"]), 3)
            if cpu_quota and row["window_s"] else None,
            "cgroup": run.quota.describe() if run.quota else None,
            "backend_stats": backend_stats(sb, run.jail) if profile == "tuned" else None,
            # where the window's CPU went, per server thread (children not included)
            "thread_cpu_s": dict((k, round(v - threads0.get(k, 0.0), 4)) for k, v in sorted(threads1.items())
                                 if v - threads0.get(k, 0.0) >= 0.0005),
        })
        return row, lag


def measure_idle(profile, seconds_, kind="synflood", source="file", python=None, cpu_quota=None,
                 backend_opts=None, progress=None):
    """The server's CPU over ``seconds_`` without log traffic, once start-up is over."""
    say = progress or (lambda msg: None)
    with Fail2banRun(profile, kind=kind, source=source, python=python, cpu_quota=cpu_quota,
                     backend_opts=backend_opts, progress=progress) as run:
        pid = run.sb.pid
        settled = wait_idle([pid])
        say("%s/%s: %g s without traffic" % (run.label, run.pyname, seconds_))
        t0, cpu0, threads0 = time.time(), total_cpu([pid]), thread_cpu(pid)
        time.sleep(seconds_)                  # the measurement itself: nothing is written
        elapsed, cpu, threads1 = time.time() - t0, total_cpu([pid]) - cpu0, thread_cpu(pid)
    return {"profile": run.label, "python": run.pyname, "seconds": round(elapsed, 2),
            "settled_s": None if settled is None else round(settled, 2), "cpu_s": round(cpu, 4),
            "cpu_ms_per_min": round(cpu / elapsed * 60000, 1),
            "thread_cpu_ms_per_min": dict((k, round((v - threads0.get(k, 0.0)) / elapsed * 60000, 2))
                                          for k, v in sorted(threads1.items()) if v - threads0.get(k, 0.0) > 0)}
