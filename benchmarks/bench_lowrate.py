"""What a wake-up costs at a slow flood: the real reading loop against the least a loop can do.

In one process, a writer thread appends synflood lines to a log at ``--rate`` lines/s while

- the f2btune backend's own reading loop (``ReadLoop._loop``: coalescing, inotify, reads,
  batches; a real fail2ban ``Jail``, 250 sources, maxretry out of reach) reads it, and then
- a floor loop reads the same way with nothing else: sleep the budget, ``pread``, split.

Each figure is the reading thread's scheduler run time (``/proc/self/task/TID/schedstat``:
kernel time, cache and TLB refills after each sleep included) per wake-up, over ``--seconds``;
the ratio of the two is what the backend adds to the cost of waking up at all.  ``--touch N``
adds a floor loop that also reads N objects of a large heap per wake-up: after a sleep each
one costs a cache (and TLB) miss, which is what a slow flood's wake-up mostly pays.
``--lean`` adds a floor loop that also decodes each line, runs the jail's failregex on it and
counts the address in a dict: the least any Python reader of this flood does per wake-up.

    python benchmarks/bench_lowrate.py --rate 40 --seconds 30 --runs 3 [--touch 200] [--lean]
"""
import argparse
import os
import random
import statistics
import threading
import time

import common  # noqa: F401  (puts the source tree on sys.path)

from bench_wakeup import Wakeups

HEAP = 200000                # small dicts in the heap the floor loop's --touch picks from


def task_cpu(tid):
    from f2btune.procstat import task_cpu as read
    return read(os.getpid(), tid)


def paced_writes(write, rate, seconds):
    """Call ``write()`` ``rate`` times a second for ``seconds`` (paced on the monotonic clock)."""
    t = time.monotonic()
    end = t + seconds
    while t < end:
        write()
        t += 1.0 / rate
        delay = t - time.monotonic()
        if delay > 0:
            time.sleep(delay)


def backend_run(rate, seconds):
    """(CPU per wake-up in µs, lines per wake-up, the budget in s) of the backend's loop."""
    w = Wakeups(1)
    flt = w.jail.filter
    th = threading.Thread(target=flt._loop, name="f2btune-lowrate")
    th.start()
    paced_writes(w.write, rate, 0.5)                   # the loop is past its start-up
    c0, k0, n0 = task_cpu(th.native_id), flt.ticks, flt.stats["lines"]
    paced_writes(w.write, rate, seconds)
    c1, k1, n1 = task_cpu(th.native_id), flt.ticks, flt.stats["lines"]
    flt.active = False
    flt._wake()
    th.join()
    wakes = max(1, k1 - k0)
    return (c1 - c0) / wakes * 1e6, (n1 - n0) / float(wakes), flt.maxdelay


def floor_run(rate, seconds, delay, touch=0, lean=False):
    """CPU per wake-up in µs of a loop that only sleeps ``delay``, reads and splits, and
    reads ``touch`` objects picked at random from a heap of ``HEAP`` small dicts; ``lean``:
    and decodes each line, searches it with the jail's failregex and counts its address."""
    w = Wakeups(1)
    fd = os.open(w.path, os.O_RDONLY)
    state = {"stop": False, "wakes": 0, "pos": os.fstat(fd).st_size}
    heap = [{"n": i, "s": str(i)} for i in range(HEAP if touch else 0)]
    rng = random.Random(touch)
    picked = [rng.randrange(len(heap)) for _ in range(touch)]
    counts = {}
    search = lean_search(w.jail.filter) if lean else None

    def loop():
        while not state["stop"]:
            time.sleep(delay)
            data = os.pread(fd, 8192, state["pos"])
            lines = data.split(b"\n")
            state["pos"] += len(data) - len(lines.pop())
            state["sink"] = sum(heap[i]["n"] for i in picked)     # read the picked objects
            if search is not None:
                for raw in lines:
                    addr = search(raw.decode("utf-8", "replace")[15:] + "\n")
                    if addr:
                        counts[addr] = counts.get(addr, 0) + 1
            state["wakes"] += 1

    th = threading.Thread(target=loop, name="f2btune-floor")
    th.start()
    paced_writes(w.write, rate, 0.5)
    c0, k0 = task_cpu(th.native_id), state["wakes"]
    paced_writes(w.write, rate, seconds)
    c1, k1 = task_cpu(th.native_id), state["wakes"]
    state["stop"] = True
    th.join()
    os.close(fd)
    return (c1 - c0) / max(1, k1 - k0) * 1e6


def lean_search(flt):
    """A function giving the address of a line the jail's first failregex matches (compiled
    as the backend's own count compiles it), else None."""
    flt._refresh_anchor()
    rx, g4, g6, _ = flt._fast[0]

    def address(text):
        m = rx.search(text)
        return None if m is None else (g4 and m.group(g4)) or (g6 and m.group(g6))
    return address


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rate", type=float, default=40.0, help="lines per second (default 40)")
    ap.add_argument("--seconds", type=float, default=30.0, help="length of each run (default 30)")
    ap.add_argument("--runs", type=int, default=3, help="runs of each loop, interleaved (default 3)")
    ap.add_argument("--touch", type=int, default=0, metavar="N",
                    help="also run the floor loop reading N random objects of a large heap per "
                         "wake-up: what touching cold memory costs on this machine")
    ap.add_argument("--lean", action="store_true",
                    help="also run the floor loop decoding each line, searching it with the "
                         "jail's failregex and counting its address: the least a Python reader does")
    args = ap.parse_args()
    if args.rate <= 0 or args.seconds <= 0 or args.runs < 1 or args.touch < 0:
        ap.error("--rate and --seconds must be positive, --runs at least 1, --touch not negative")
    ours, floor, touched, lean, per_wake = [], [], [], [], []
    for _ in range(args.runs):
        us, lines, budget = backend_run(args.rate, args.seconds)
        ours.append(us)
        per_wake.append(lines)
        floor.append(floor_run(args.rate, args.seconds, budget))
        if args.touch:
            touched.append(floor_run(args.rate, args.seconds, budget, args.touch))
        if args.lean:
            lean.append(floor_run(args.rate, args.seconds, budget, lean=True))
    ratios = [a / b for a, b in zip(ours, floor)]
    print("rate %.0f lines/s, %d x %.0f s, %.1f lines per wake-up" % (
        args.rate, args.runs, args.seconds, statistics.median(per_wake)))
    print("backend loop: median %.0f us per wake-up (%s)" % (
        statistics.median(ours), ", ".join("%.0f" % x for x in ours)))
    print("floor loop:   median %.0f us per wake-up (%s)" % (
        statistics.median(floor), ", ".join("%.0f" % x for x in floor)))
    print("backend / floor: median %.2fx (%s)" % (
        statistics.median(ratios), ", ".join("%.2f" % x for x in ratios)))
    if touched:
        extra = [(t - f) / args.touch for t, f in zip(touched, floor)]
        print("floor + %d cold objects: median %.0f us per wake-up (%s): %.2f us per object" % (
            args.touch, statistics.median(touched), ", ".join("%.0f" % x for x in touched),
            statistics.median(extra)))
    if lean:
        print("floor + decode, failregex, count: median %.0f us per wake-up (%s)" % (
            statistics.median(lean), ", ".join("%.0f" % x for x in lean)))


if __name__ == "__main__":
    main()
