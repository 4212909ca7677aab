"""pyperf benchmark: one wake-up of the f2btune file backend carrying 1 or 10 new lines.

A real fail2ban ``Jail`` with ``backend = f2btune`` and the ``f2btune-synflood`` filter watches
a log file through its real inotify watch.  One timed loop appends the lines (one ``write``
each, outside the timing), then runs what the reading loop runs for a wake-up: the inotify
wait (``_wait(0)``, data already there), every batch of the path (``_read_available``) and the
loop's own per-wake-up work, timed as this thread's CPU (a shared machine's load
stretches wall time, not CPU).  250 attacking addresses; maxretry is out of reach so the
figure is the steady state of counting, not of banning.  Value = seconds per wake-up.

    python benchmarks/bench_wakeup.py -o wakeup.json
    python benchmarks/bench_wakeup.py --breakdown      # where a wake-up's time goes (cProfile)
"""
import atexit
import os
import shutil
import sys
import tempfile
import time

import common  # noqa: F401  (puts the source tree on sys.path)

SOURCES = 250
POOL = 20000


class Wakeups(object):
    """A jail on a temp log, and pre-built flood lines appended ``per_wake`` at a time."""

    def __init__(self, per_wake):
        from f2btune.backend.register import register
        from f2btune.f2b import apply_filter_commands, filter_commands
        from f2btune.flood import iter_lines
        from f2btune.paths import snippets_root
        from f2btune.replay.writer import Stamper
        from fail2ban.server.jail import Jail
        register()
        self.per_wake = per_wake
        self.dir = tempfile.mkdtemp(prefix="f2btune-wakeup-")
        atexit.register(shutil.rmtree, self.dir, True)
        self.path = os.path.join(self.dir, "kern.log")
        open(self.path, "w").close()
        self.jail = Jail("wakeup", backend="f2btune")
        flt = self.jail.filter
        apply_filter_commands(flt, filter_commands(
            os.path.join(snippets_root(), "filter.d", "f2btune-synflood.conf")))
        flt.setMaxRetry(10 ** 9)
        flt.failManager.maxMatches = 10      # what a maxretry = 10 jail keeps
        flt.setFindTime(600)
        flt.setUseDns("no")
        flt.options.promptban = False
        flt.addLogPath(self.path, tail=True)
        flt.inOperation = True
        flt.active = True
        flt._loop_start()
        flt.warm_up()
        stamp = Stamper("syslog")(time.time())
        self.lines = [(stamp + r.text[15:] + "\n").encode()
                      for r in iter_lines(POOL, sources=SOURCES, seed=5, noise=0.1, ipv6=0.1)]
        self.i = 0
        self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        self.wake()            # the first wake-up sets up the watches

    def write(self):
        for _ in range(self.per_wake):
            os.write(self.fd, self.lines[self.i % POOL])
            self.i += 1

    def wake(self):
        flt = self.jail.filter
        flt._wait(0)
        flt._read_available()
        flt.wake_done()

    def timed(self, loops):
        total = 0.0
        clock = time.thread_time         # CPU of this thread: what a wake-up costs, not the wait
        for _ in range(loops):
            self.write()
            t0 = clock()
            self.wake()
            total += clock() - t0
        return total


def breakdown(per_wake, n=3000):
    """cProfile of ``n`` wake-ups: cumulative time per backend step, largest first."""
    import cProfile
    import pstats
    w = Wakeups(per_wake)
    prof = cProfile.Profile(time.thread_time)
    for _ in range(n):
        w.write()
        prof.runcall(w.wake)
    st = pstats.Stats(prof)
    rows = []
    for (fname, _line, func), (_cc, _nc, _tt, ct, _callers) in st.stats.items():
        mod = os.path.basename(fname)
        rows.append((ct / n * 1e6, "%s:%s" % (mod, func)))
    rows.sort(reverse=True)
    print("wake-up carrying %d line(s): cumulative CPU per wake-up (cProfile, inflated)" % per_wake)
    for us, name in rows[:25]:
        print("  %8.1f us  %s" % (us, name))


def main():
    if "--breakdown" in sys.argv:
        for k in (1, 10):
            breakdown(k)
        return
    import pyperf
    runner = pyperf.Runner()
    for k in (1, 10):
        runner.bench_time_func("wakeup-%d-line%s" % (k, "s" if k > 1 else ""), _lazy(k))


def _lazy(per_wake):
    """The timed function; the jail is built in the worker process, on first use."""
    made = []

    def timed(loops):
        if not made:
            made.append(Wakeups(per_wake))
        return made[0].timed(loops)
    return timed


if __name__ == "__main__":
    main()
