#!/usr/bin/env python3
"""Fleet figures with Debian's real crowdsec LAPI: ban-to-block latency between two hosts, push
rate, and the CPU, memory and time of ``f2btune fleet pull`` for many decisions.

Run as root from the repository:  .venv/bin/python benchmarks/bench_fleet.py [--bans 100] [--decisions 100000]

Method (everything in network namespaces named f2bt19-*, deleted at the end):
  latency  the two-host lab of tests/e2e (fail2ban-servers in f2bt19-a / f2bt19-b, LAPI in
           f2bt19-l, fleet pull on B polling every second, the default).  Bans are made one at a
           time on A with fail2ban-client; latency = first time B's kernel set holds the address
           (polled over netlink every 2 ms inside B) minus the time of A's "Ban" log line.
  push     one Pusher (the thread behind action f2btune-crowdsec.py) with N bans queued at once;
           rate = N / time until the LAPI acknowledged all; ban() cost = time to queue one ban.
  pull     'f2btune fleet pull --once' (a full sync: startup stream + kernel sets) as a child
           process, against the LAPI holding N decisions; CPU (user+sys) and peak RSS from wait4.
Machine load is printed: compare within one run.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from f2btune import netns, paths  # noqa: E402
from f2btune.f2b import interpreter_env  # noqa: E402

NS = "f2bt19-m"


def _watch(setname, ips, timeout):
    from f2btune.kernel.ipset import Ipset
    s, seen, end = Ipset(), {}, time.time() + timeout
    want = set(ips)
    while want - set(seen) and time.time() < end:
        try:
            members = s.members(setname)
        except Exception:
            members = {}
        now = time.time()
        for ip in want - set(seen):
            if ip in members:
                seen[ip] = now
        time.sleep(0.002)
    return seen


def latency(n):
    from tests.e2e.fleet_lab import JAIL, FleetLab, wait
    tmp = tempfile.mkdtemp(prefix="f2bt19-bench-")
    lab = FleetLab(tmp)
    try:
        lab.up(interval=1.0)
        lab.a.start()
        lab.b.start()
        lab.b.start_puller()
        ips = ["10.19.%d.%d" % (100 + k // 250, k % 250 + 1) for k in range(n)]
        with lab.b.ns.pool() as pool:
            job = pool.apply_async(_watch, ("f2bt-f2bt19", ips, 60 + 3 * n))
            for ip in ips:
                lab.a.f2b("set", JAIL, "banip", ip)
                wait(lambda: ip in lab.b.ipset("f2bt-f2bt19"), 10, "block of %s on B" % ip, step=0.02)
            seen = job.get()
        from tests.e2e.test_fleet import ban_time
        lat = sorted(seen[ip] - ban_time(lab.a, ip) for ip in ips)
        return {"bans": n, "median_s": statistics.median(lat), "p99_s": lat[min(len(lat) - 1, int(0.99 * len(lat)))],
                "min_s": lat[0], "max_s": lat[-1], "pull_interval_s": 1.0}
    finally:
        lab.down()


def _push(conf_path, n, start_index):
    from f2btune.fleet import config, pusher
    p = pusher.Pusher(config.load(conf_path))
    now = time.time()
    t0 = time.perf_counter()
    for k in range(start_index, start_index + n):
        p.ban("bench", "10.%d.%d.%d" % (k // 65536 % 256, k // 256 % 256, k % 256), now, 86400)
    queue_s = time.perf_counter() - t0
    c0, t1 = time.process_time(), time.perf_counter()
    p.start()
    while p.store.counts().get("acked", 0) < n + start_index and time.perf_counter() - t1 < 3600:
        time.sleep(0.05)
    wall, cpu = time.perf_counter() - t1, time.process_time() - c0
    acked = p.store.counts().get("acked", 0)
    p.stop()
    return {"bans": n, "acked": acked - start_index, "bans_per_s": n / wall, "push_cpu_s_per_1000": cpu / n * 1000,
            "ban_call_us": queue_s / n * 1e6}


def _cpu_of(pid):
    """CPU seconds (user + system) of process ``pid`` so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pull_once(conf_path, confdir):
    args = netns.exec_args(NS, [sys.executable, "-m", "f2btune", "fleet", "--config", conf_path, "pull",
                                "--once", "--confdir", confdir])
    t0 = time.perf_counter()
    p = subprocess.Popen(args, cwd=ROOT, env=interpreter_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    err = p.stderr.read().decode()
    p.stderr.close()
    if status:
        raise SystemExit("fleet pull --once failed: %s" % err)
    # ip netns exec execs the command, so the rusage is the puller's own
    return {"cpu_s": ru.ru_utime + ru.ru_stime, "max_rss_mb": ru.ru_maxrss / 1024.0, "wall_s": wall}


def _synced(state_path, n, pid):
    """Whether puller ``pid`` wrote that it holds ``n`` decisions (not an earlier run's file)."""
    try:
        with open(state_path) as f:
            state = json.load(f)
        return state["pid"] == pid and state["counts"]["decisions"] >= n
    except (OSError, ValueError, KeyError):
        return False


def _incremental(pool, conf, confdir, done, state_path, extra=1000, idle_s=10.0):
    """CPU of a running puller: idle (per poll) and per ``extra`` new decisions arriving."""
    args = netns.exec_args(NS, [sys.executable, "-m", "f2btune", "fleet", "--config", conf, "pull",
                                "--confdir", confdir])
    p = subprocess.Popen(args, cwd=ROOT, env=interpreter_env(), stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        end = time.time() + 600
        while not _synced(state_path, done, p.pid) and time.time() < end:
            time.sleep(0.1)
        c0, t0 = _cpu_of(p.pid), time.time()
        time.sleep(idle_s)
        idle = (_cpu_of(p.pid) - c0) / (time.time() - t0)
        c1, t1 = _cpu_of(p.pid), time.time()
        pool.apply(_push, (conf, extra, done))
        while not _synced(state_path, done + extra, p.pid) and time.time() < end:
            time.sleep(0.05)
        busy = _cpu_of(p.pid) - c1 - idle * (time.time() - t1)
        rss = 0
        with open("/proc/%d/status" % p.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) / 1024.0
        return {"idle_cpu_s_per_s": idle, "cpu_s_per_1000_new": busy / extra * 1000,
                "rss_mb_holding": rss, "decisions": done + extra}
    finally:
        p.terminate()
        p.wait()


def pull_only(tmp):
    """The pull figures against the LAPI data a previous (interrupted) run left in ``tmp``."""
    from tests.fleet.lapi_lab import Lapi
    ns = netns.Netns(NS)
    ns.delete()
    ns.create()
    lapi = Lapi(tmp, listen="127.0.0.1:18019", ns=NS)
    conf, confdir = os.path.join(tmp, "fleet.conf"), os.path.join(tmp, "conf")
    try:
        lapi.start()
        import sqlite3
        db = sqlite3.connect("file:%s?mode=ro" % os.path.join(lapi.dir, "data", "crowdsec.db"), uri=True)
        done = db.execute("SELECT count(*) FROM decisions WHERE julianday(until) > julianday('now')").fetchone()[0]
        db.close()
        r = _pull_once(conf, confdir)
        r.update(decisions=done, cpu_s_per_1000=r["cpu_s"] / done * 1000)
        print(json.dumps({"pull": r}), flush=True)
        with ns.pool() as pool:
            inc = _incremental(pool, conf, confdir, done, os.path.join(tmp, "state", "pull.json"))
        print(json.dumps({"incremental": inc}), flush=True)
        return {"pull": [r], "incremental": inc}
    finally:
        lapi.stop()
        ns.delete()


def push_and_pull(total, steps):
    from tests.fleet.conftest import BOUNCER_KEY, MACHINE, PASSWORD, write_conf
    from tests.fleet.lapi_lab import Lapi
    tmp = tempfile.mkdtemp(prefix="f2bt19-bench-")
    ns = netns.Netns(NS)
    ns.delete()
    ns.create()
    lapi = Lapi(tmp, listen="127.0.0.1:18019", ns=NS)
    out = {"push": [], "pull": []}
    try:
        lapi.write_config()
        lapi.add_machine(MACHINE, PASSWORD)
        lapi.add_bouncer("bench", BOUNCER_KEY)
        lapi.start()
        conf = write_conf(os.path.join(tmp, "fleet.conf"), lapi.url, os.path.join(tmp, "state"),
                          extra="batch = 500\nmax_queue = %d\n" % (total + 1))
        confdir = os.path.join(tmp, "conf")
        paths.build_confdir(confdir)
        done = 0
        with ns.pool() as pool:
            for target in steps:
                cpu0 = _cpu_of(lapi.proc.pid)
                r = pool.apply(_push, (conf, target - done, done))
                r["lapi_cpu_s_per_1000"] = (_cpu_of(lapi.proc.pid) - cpu0) / (target - done) * 1000
                out["push"].append(r)
                done = target
                r = _pull_once(conf, confdir)
                r["decisions"] = done
                r["cpu_s_per_1000"] = r["cpu_s"] / done * 1000
                out["pull"].append(r)
                print(json.dumps({"push": out["push"][-1], "pull": r}), flush=True)
            out["incremental"] = _incremental(pool, conf, confdir, done, os.path.join(tmp, "state", "pull.json"))
            print(json.dumps({"incremental": out["incremental"]}), flush=True)
    finally:
        lapi.stop()
        ns.delete()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bans", type=int, default=100, help="bans for the latency figure (default 100)")
    ap.add_argument("--decisions", type=int, default=100000, help="decisions for the pull figures (default 100000)")
    ap.add_argument("--skip-latency", action="store_true")
    ap.add_argument("--lapi-dir", help="only the pull figures, on the LAPI data an earlier run left in DIR")
    ap.add_argument("-o", "--output", help="write the figures as JSON here")
    args = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("bench_fleet.py needs root (network namespaces)")
    res = {"load_before": os.getloadavg(), "cpus": os.cpu_count()}
    if not args.skip_latency:
        res["latency"] = latency(args.bans)
        print(json.dumps({"latency": res["latency"]}), flush=True)
    if args.lapi_dir:
        res.update(pull_only(args.lapi_dir))
    else:
        steps = sorted(set(s for s in (1000, 10000, args.decisions) if s <= args.decisions))
        res.update(push_and_pull(args.decisions, steps))
    res["load_after"] = os.getloadavg()
    text = json.dumps(res, indent=1)
    print(text)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
