"""One replay run per (profile, interpreter): sandboxed server, closed-loop flood, /proc metrics.

Method (also shown by ``f2btune replay --help``):

- a network namespace is created per run; the server (``f2btune server``, i.e. fail2ban's
  own server with f2btune's backends registered) and a ban watcher run inside it, so the
  firewall actions change only that namespace; the namespace is deleted afterwards;
- the flood (:func:`f2btune.flood.iter_lines`, ``--lines`` records offered, ``--sources``
  attackers, 10 % noise) is appended to a log file in the sandbox by
  :class:`.writer.ClosedLoopWriter`: a banned source's lines are no longer written;
- the CPU window opens once the server has gone quiet after start-up (same rule for every
  profile) and closes when it has read everything and every source at maxretry is banned;
- every 50 ms the server's /proc entries are sampled: CPU (user + system, forked actions
  included), read bytes (``rchar``: the log bytes consumed so far), RSS;
- lag = bytes written - bytes the server has read, in lines of the mean written length;
- ban latency = the ban watcher seeing the address in an ipset - the writer writing that
  address's maxretry-th line;
- after the writer stops, the run waits until the server has read everything (or a time
  limit), then CPU per 10 000 lines = server CPU during the run / lines read * 10 000.
"""
import configparser
import math
import os
import subprocess
import sys
import threading
import time

from f2btune.errors import DependencyError, InputError, UsageError
from f2btune.replay.procstat import alive, cpu_seconds, memory_mb, read_bytes, thread_cpu
from f2btune.replay.sandbox import Sandbox, jail_text  # noqa: F401  (jail_text re-exported)
from f2btune.replay.writer import ClosedLoopWriter
from f2btune.seed import LOG_PREFIX as PREFIX, SEED_REGEX

TUNED_JAIL = "f2btune-synflood"
STOCK_JAIL = "f2btune-replay-stock"
SAMPLE_S = 0.05
DEFAULT_SETTINGS = {"maxretry": "10", "findtime": "30", "bantime": "30"}
STOCK_FILTER = """\
# The seed regex of the f2btune brief, as an admin would first write it (replay's stock profile).
[Definition]
failregex = %s
ignoreregex =
""" % SEED_REGEX


def tuned_section(root=None):
    """Options of [f2btune-synflood] in the shipped jail.d/f2btune.conf (raw, uninterpolated)."""
    from f2btune.paths import snippets_root
    path = os.path.join(root or snippets_root(), "jail.d", "f2btune.conf")
    cp = configparser.RawConfigParser()
    cp.optionxform = str
    if os.path.isfile(path):
        cp.read(path)
    if cp.has_section(TUNED_JAIL):
        return dict(cp.items(TUNED_JAIL))
    return dict(DEFAULT_SETTINGS)


def custom_profile(path):
    """(jail name, options) from a user's jail.local-style file: its first section."""
    cp = configparser.RawConfigParser()
    cp.optionxform = str
    try:
        with open(path) as f:
            cp.read_file(f)
    except (OSError, configparser.Error) as e:
        raise InputError("cannot read profile %s: %s" % (path, e))
    sections = [s for s in cp.sections() if s not in ("DEFAULT", "INCLUDES", "Definition")]
    if not sections:
        raise InputError("profile %s has no jail section" % path)
    return sections[0], dict(cp.items(sections[0]))


def have_tuned_action(confdir):
    return os.path.isfile(os.path.join(confdir, "action.d", "f2btune-ipset.py"))


def profile_setup(profile, logpath, sb_conf_probe=None, backend_opts=None):
    """(jail name, jail options, server loglevel, extra files, maxretry) for a profile."""
    tuned = tuned_section()
    if profile == "stock":
        opts = [("enabled", "true"), ("filter", "f2btune-replay-seed"), ("backend", "pyinotify"),
                ("logpath", logpath)]
        for k in ("maxretry", "findtime", "bantime"):
            opts.append((k, tuned.get(k, DEFAULT_SETTINGS[k])))
        opts.append(("action", "iptables-ipset-proto6-allports[name=replay, blocktype=DROP]"))
        return (STOCK_JAIL, opts, "INFO", {"filter.d/f2btune-replay-seed.conf": STOCK_FILTER},
                int(tuned.get("maxretry", 10)))
    if profile == "tuned":
        be = "f2btune" + ("[%s]" % backend_opts if backend_opts else "")
        opts = [("enabled", "true"), ("logpath", logpath), ("backend", be)]
        return TUNED_JAIL, opts, "NOTICE", {}, int(tuned.get("maxretry", 10))
    name, section = custom_profile(profile)
    section = dict(section)
    section["enabled"] = "true"
    section["logpath"] = logpath
    return name, list(section.items()), "INFO", {}, int(section.get("maxretry", tuned.get("maxretry", 10)))


def percentile(values, p):
    if not values:
        return None
    k = max(0, min(len(values) - 1, int(math.ceil(p / 100.0 * len(values))) - 1))   # nearest rank
    return values[k]


class Sampler(threading.Thread):
    """Samples the server every SAMPLE_S: (t, cpu s, rchar, written bytes, written lines)."""

    def __init__(self, pid, writer):
        threading.Thread.__init__(self, daemon=True)
        self.pid, self.writer = pid, writer
        self.samples = []
        self.stop_event = threading.Event()
        self.peak_rss = 0.0

    def sample(self):
        try:
            s = (time.time(), cpu_seconds(self.pid), read_bytes(self.pid), self.writer.bytes, self.writer.written)
        except OSError:
            return None
        self.samples.append(s)
        return s

    def run(self):
        while not self.stop_event.wait(SAMPLE_S):
            self.sample()


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
        self.count = 0
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
                    self.count += 1

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


def wait_idle(pid, window=0.3, max_share=0.02, timeout=30.0):
    """Wait until the server used less than ``max_share`` of a CPU over ``window`` seconds.

    Returns the seconds waited, or None if it never went quiet within ``timeout``.
    """
    t0 = time.time()
    prev = cpu_seconds(pid)
    while time.time() - t0 < timeout:
        time.sleep(window)
        cur = cpu_seconds(pid)
        if cur - prev < window * max_share:
            return time.time() - t0
        prev = cur
    return None


def run_one(profile, python=None, lines=100000, sources=250, rate=None, cpu_quota=None,
            seed=1, fmt="syslog", backend_opts=None, settle_s=None, progress=None, keep=None):
    """One run; returns the result row (dict) plus 'lag' samples [(t, lag_lines)]."""
    from f2btune.flood import iter_lines
    from f2btune.netns import Netns
    from f2btune.replay.cgroup import CpuQuota
    say = progress or (lambda msg: None)
    if keep is None:                       # debugging: keep the sandbox (config, logs, database)
        keep = bool(os.environ.get("F2BTUNE_REPLAY_KEEP"))
    tag = "%d-%d" % (os.getpid(), int(time.time() * 1000) % 100000)
    label = profile if profile in ("stock", "tuned") else os.path.basename(profile)
    pyname = os.path.basename(python) if python else os.path.basename(sys.executable)
    ns = Netns("f2bt-rp-%s" % tag)
    quota = None
    sb = None
    watcher = None
    ns.create()
    try:
        if cpu_quota:
            quota = CpuQuota("f2btune-replay-%s" % tag, cpu_quota)
        # the log lives in the sandbox directory; the sandbox is made first to know it
        sb = Sandbox([], python=python, netns=ns.name, cgroup=quota, keep=keep)
        logpath = os.path.join(sb.dir, "kern.log")
        open(logpath, "w").close()
        jail, opts, loglevel, extra, maxretry = profile_setup(profile, logpath, backend_opts=backend_opts)
        if profile == "tuned" and not have_tuned_action(sb.conf):
            raise DependencyError("action.d/f2btune-ipset.py is missing: the tuned profile needs it")
        sb.jails = [(jail, opts)]
        sb.loglevel = loglevel
        sb.extra_files = extra
        sb.write_config()
        say("%s/%s: starting fail2ban-server in netns %s%s" % (label, pyname, ns.name,
                                                             (" (%s)" % quota.describe()) if quota else ""))
        sb.start()
        sb.wait_jails_started([jail])
        pid = sb.pid
        records = iter_lines(lines, sources=sources, rate=40.0, prefix=PREFIX, fmt=fmt, seed=seed)
        writer = ClosedLoopWriter(logpath, records, maxretry, rate=rate, fmt=fmt)
        watcher = Watcher(ns.name, writer)
        # start-up (config load, imports, the actions' start: ipsets, firewall rules, the
        # first garbage collection) is paid once whatever the load: the window starts when
        # the server has gone quiet, the same rule for every profile
        settled = wait_idle(pid)
        sampler = Sampler(pid, writer)
        first = sampler.sample()
        if first is None:
            raise DependencyError("cannot read /proc/%d of the server" % pid)
        cpu0, rchar0 = first[1], first[2]
        threads0 = thread_cpu(pid)
        sampler.start()
        say("%s/%s: writing %d flood lines (%s)" % (label, pyname, lines,
                                                   "max rate" if not rate else "%g lines/s" % rate))
        wt = threading.Thread(target=writer.run, daemon=True)
        wt.start()
        wt.join()
        write_s = writer.finished - writer.started
        # wait until the server has read all that was written (closed loop: nothing more comes)
        limit = settle_s if settle_s is not None else max(60.0, 30 * write_s)
        deadline = time.time() + min(limit, 600.0)
        avg = writer.bytes / float(writer.written or 1)
        caught_up_at = None
        while time.time() < deadline and alive(pid):
            s = sampler.samples[-1] if sampler.samples else first
            if s[2] - rchar0 >= writer.bytes - avg / 2:
                caught_up_at = s[0]
                break
            time.sleep(SAMPLE_S)
        # bans of sources that reached maxretry may still be on their way
        t_end = time.time() + 5.0
        while time.time() < t_end and any(k not in writer.banned for k in writer.nth_time):
            time.sleep(0.05)
        time.sleep(0.2)
        last = sampler.sample()
        threads1 = thread_cpu(pid)
        sampler.stop_event.set()
        sampler.join()
        rss, peak = memory_mb(pid)
        cpu = last[1] - cpu0
        # lines the server has read (all of them once it caught up; else estimated from bytes)
        processed = writer.written if caught_up_at else min(writer.written, int((last[2] - rchar0) / avg))
        stats = backend_stats(sb, jail) if profile == "tuned" else None
        lat, unbanned = writer.latencies_ms()
        lag = [(s[0] - writer.started, max(0.0, (s[3] - (s[2] - rchar0)) / avg)) for s in sampler.samples
               if s[0] >= writer.started]
        during = [l for t, l in lag if t <= write_s]
        row = {
            "profile": label,
            "python": pyname,
            "lines": writer.written,
            "cpu_s_per_10k_lines": round(cpu / max(1, processed) * 10000, 5),
            "lines_per_cpu_s": round(processed / cpu, 1) if cpu > 0 else None,
            "lines_processed": processed,
            "ban_latency_ms_p50": _r(percentile(lat, 50)),
            "ban_latency_ms_p99": _r(percentile(lat, 99)),
            "max_lag_lines": int(round(max([l for _, l in lag] or [0]))),
            "peak_rss_mb": round(peak, 1),
            "cpu_s": round(cpu, 3),
            "offered_lines": writer.offered,
            "failure_lines": writer.failure_lines,
            "noise_lines": writer.noise_lines,
            "dropped_banned_lines": writer.dropped,
            "bans": len(writer.banned),
            "sources_at_maxretry": len(writer.nth_time),
            "unbanned_at_end": unbanned,
            "maxretry": maxretry,
            "write_s": round(write_s, 3),
            "write_rate": round(writer.written / write_s, 1) if write_s > 0 else None,
            "lag_end_of_write_lines": int(round(during[-1])) if during else 0,
            "catchup_s": round(caught_up_at - writer.finished, 3) if caught_up_at else None,
            "caught_up": caught_up_at is not None,
            "settled_s": round(settled, 3) if settled is not None else None,
            "cpu_quota": cpu_quota,
            "cgroup": quota.describe() if quota else None,
            "backend_stats": stats,
            # where the window's CPU went, per server thread (children not included)
            "thread_cpu_s": dict((k, round(v - threads0.get(k, 0.0), 4)) for k, v in sorted(threads1.items())
                                 if v - threads0.get(k, 0.0) >= 0.0005),
        }
        return row, lag
    finally:
        if watcher is not None:
            watcher.close()
        if sb is not None:
            sb.cleanup()
        if quota is not None:
            quota.remove()
        ns.delete()


def _r(v):
    return None if v is None else round(v, 2)


def backend_stats(sb, jail):
    r = sb.client("status", jail, check=False)
    for line in r.stdout.splitlines():
        if "f2btune:" in line:
            text = line.split("f2btune:", 1)[1].strip()
            out = {}
            for kv in text.split():
                k, _, v = kv.partition("=")
                try:
                    out[k] = int(v)
                except ValueError:
                    pass
            return out
    return None


def check_environment(cpu_quota):
    if os.geteuid() != 0:
        raise DependencyError("f2btune replay needs root (network namespace, firewall inside it)")
    for exe in ("ip", "ipset", "iptables"):
        from shutil import which
        if not which(exe):
            raise DependencyError("%s not found (apt-get install iproute2 ipset iptables)" % exe)


def run_replay(profiles=("stock", "tuned"), pythons=(None,), lines=100000, sources=250, rate=None,
               cpu_quota=None, seed=1, fmt="syslog", backend_opts=None, progress=None, settle_s=None):
    """All runs; returns the summary dict that ``--json`` writes."""
    if lines < 100:
        raise UsageError("--lines must be at least 100")
    if sources < 1:
        raise UsageError("--sources must be at least 1")
    if rate is not None and rate <= 0:
        raise UsageError("--rate must be positive or 'max'")
    for p in profiles:
        if p not in ("stock", "tuned") and not os.path.isfile(p):
            raise UsageError("--profile must be stock, tuned or a jail.local file; %r is none of these" % p)
    check_environment(cpu_quota)
    results, lags = [], {}
    for py in pythons:
        for prof in profiles:
            row, lag = run_one(prof, python=py, lines=lines, sources=sources, rate=rate,
                               cpu_quota=cpu_quota, seed=seed, fmt=fmt, backend_opts=backend_opts,
                               progress=progress, settle_s=settle_s)
            results.append(row)
            lags["%s/%s" % (row["profile"], row["python"])] = lag
    ratios = []
    for py in set(r["python"] for r in results):
        base = [r for r in results if r["python"] == py and r["profile"] == "stock"]
        for r in results:
            if r["python"] == py and base and r is not base[0] and r["cpu_s_per_10k_lines"]:
                ratios.append({"python": py, "profile": r["profile"], "baseline": "stock",
                               "cpu_per_line_ratio": round(base[0]["cpu_s_per_10k_lines"] / r["cpu_s_per_10k_lines"], 2),
                               "total_cpu_ratio": round(base[0]["cpu_s"] / r["cpu_s"], 2) if r["cpu_s"] else None})
    return {
        "command": "replay",
        "lines": lines,
        "sources": sources,
        "rate": rate or "max",
        "format": fmt,
        "cpu_quota": cpu_quota,
        "results": results,
        "ratios": ratios,
        "lag": dict((k, [[round(t, 3), round(l, 1)] for t, l in v]) for k, v in lags.items()),
    }
