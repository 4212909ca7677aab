"""Per-line CPU of the tuned sshd jail with action.d/f2btune-tolerance.py against the same jail without it.

The jail: f2btune-sshd, backend = f2btune, maxretry 5, findtime 600 (fail2ban's real Jail, Filter,
FailManager and Actions; the actions thread is not run, so no ban command is forked and both
jails pay the same ban bookkeeping).  The flood: the real sshd lines of a corpus auth.log, restamped
with the current time, preceded by successes for TOLERATED addresses that are not in the flood (so
every failure pays the tolerance lookup), fed in batches of 500 raw lines as the backend reads them.

On a shared machine sequential runs drift with the load, so one round feeds the flood to a fresh
jail without the action and to a fresh jail with it, in turn (alternating which goes first), in
one process (CPU time of this thread), ROUNDS times after a warm-up round; printed: the median and
min-max of with/without over the rounds.  Both jails must ban the same addresses.
Run: .venv/bin/python benchmarks/bench_tolerance.py [--log FILE] [--lines N] [--rounds R] [--json]
"""
import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

# a real brute-forced server's auth.log (mostly failures, rsyslog folds included)
DEFAULT_LOG = os.path.join(os.path.dirname(ROOT), "shared", "corpus", "phoenix-aws", "auth.log.4")
ACTION = os.path.join(ROOT, "action.d", "f2btune-tolerance.py")
FILTER = os.path.join(ROOT, "filter.d", "f2btune-sshd.conf")
TOLERATED = 20
BATCH = 500


def flood(path, limit):
    """Raw lines: TOLERATED successes, then the log's first ``limit`` sshd lines, stamped now."""
    from f2btune.replay.writer import Stamper
    stamp = Stamper("syslog")(time.time())
    out = [("%s bench sshd[%d]: Accepted publickey for alice from 203.0.113.%d port 50022 ssh2"
            % (stamp, 90000 + i, i + 1)).encode() for i in range(TOLERATED)]
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            rest = line[16:].rstrip("\n")          # RFC 3164: fixed-width stamp
            host, _, msg = rest.partition(" ")
            if msg.startswith("sshd["):
                out.append(("%s %s %s" % (stamp, host, msg)).encode())
                if len(out) >= limit + TOLERATED:
                    break
    return out


def jail(n, tolerant):
    from fail2ban.server.jail import Jail
    from f2btune.f2b import apply_filter_commands, filter_commands
    j = Jail("bench-tol%d%s" % (n, "t" if tolerant else ""), backend="f2btune")
    flt = j.filter
    apply_filter_commands(flt, filter_commands(FILTER))
    flt.setMaxRetry(5)
    flt.setFindTime(600)
    flt.setUseDns("no")
    flt.inOperation = True
    flt.sleeptime = 0
    if tolerant:
        j.actions.add("f2btune-tolerance", ACTION, {"time": "1d", "factor": "5"})    # hooks the jail
    return j


def feed(j, lines):
    """CPU seconds (this thread) to feed ``lines``, and the addresses banned."""
    flt = j.filter
    c0 = time.thread_time()
    for i in range(0, len(lines), BATCH):
        flt.process_raw_lines(lines[i:i + BATCH])
    took = time.thread_time() - c0
    banned = set()
    while True:
        t = j.getFailTicket()
        if not t:
            break
        banned.add(str(t.getID()))
    banned.update(str(ip) for ip in j.actions.banManager.getBanList())
    return took, banned


def measure(path, n_lines, rounds):
    from f2btune.backend.register import register
    from f2btune.f2b import quiet_logging
    quiet_logging()
    register()
    lines = flood(path, n_lines)
    ratios, per_line = [], {False: [], True: []}
    for r in range(rounds + 1):
        took = {}
        bans = {}
        for tolerant in ((False, True) if r % 2 else (True, False)):    # alternate who goes first
            took[tolerant], bans[tolerant] = feed(jail(r, tolerant), lines)
        if bans[False] != bans[True]:
            raise SystemExit("the jails banned differently: %d vs %d" % (len(bans[False]), len(bans[True])))
        if r == 0:                                   # warm-up round: imports, regex compilation
            continue
        ratios.append(took[True] / took[False])
        for k in took:
            per_line[k].append(took[k] / len(lines) * 1e6)
    return {"lines": len(lines), "rounds": rounds, "bans": len(bans[True]),
            "ratio_median": statistics.median(ratios), "ratio_min": min(ratios), "ratio_max": max(ratios),
            "us_per_line_without": statistics.median(per_line[False]),
            "us_per_line_with": statistics.median(per_line[True]),
            "python": sys.version.split()[0], "loadavg": os.getloadavg()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--log", default=DEFAULT_LOG, help="an RFC 3164 auth.log (default: %(default)s)")
    ap.add_argument("--lines", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if not os.path.isfile(a.log):
        print("bench_tolerance: no log %s (give --log)" % a.log, file=sys.stderr)
        return 1
    res = measure(a.log, a.lines, a.rounds)
    if a.json:
        print(json.dumps(res))
    else:
        print("%(lines)d lines, %(bans)d bans, %(rounds)d rounds; with/without tolerance: median %(ratio_median).3f "
              "(min %(ratio_min).3f, max %(ratio_max).3f); us/line without %(us_per_line_without).1f, "
              "with %(us_per_line_with).1f" % res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
