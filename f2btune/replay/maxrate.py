"""``--find-max-rate``: the highest write rate a profile sustains under a CPU quota without growing lag.

Each probe is a fresh server (started uncapped, then moved into the quota's cgroup: start-up
is paid once whatever the budget) fed an open-loop flood at a fixed rate for ``window``
seconds, every line written (banned sources keep writing).  A rate is *sustained* when the
writer kept the rate and the lag at the end of the window (median of its last tenth) is
under half a second's worth of lines (at least 20 lines): a reader slower than the writer
would end the window behind by (rate - capacity) * window lines.

The search doubles the rate from ``start`` until a probe fails (halves it if the first one
fails), then bisects until the bounds are within ``precision`` (1.1: 10 %).  Each probe uses
its own flood seed, so earlier bans do not make later probes cheaper.
"""
import statistics
import time

from f2btune.flood import iter_kind
from f2btune.replay.f2brun import Fail2banRun, Watcher
from f2btune.replay.measure import measure
from f2btune.replay.runner import stamp_format
from f2btune.replay.writer import FloodWriter

MIN_RATE = 1.0
MAX_RATE = 1e6


def probe(profile, rate, window, kind="synflood", sources=250, cpu_quota=None, seed=1, python=None,
          backend_opts=None, progress=None):
    """One probe: a dict with rate, sustained, lag at the end, CPU share of the budget."""
    with Fail2banRun(profile, kind=kind, python=python, cpu_quota=cpu_quota, backend_opts=backend_opts,
                     progress=None, cap_after_start=True) as run:
        n = int(rate * window * 1.2) + 100
        records = iter_kind(kind, n, sources=sources, rate=40.0, seed=seed)
        writer = FloodWriter(run.logpath, records, run.maxretry, rate=rate, fmt=stamp_format(kind, "syslog"),
                             open_loop=True, duration=window, findtime=run.findtime)
        watcher = Watcher(run.ns.name, writer)
        try:
            row, lag = measure(run.target(), writer, settle_s=2.0)
        finally:
            watcher.close()
    write_s = row["write_s"] or window
    tail = [l for t, l in lag if write_s * 0.9 <= t <= write_s and l is not None]
    lag_end = statistics.median(tail) if tail else float(row["lag_end_of_write_lines"] or 0)
    kept_rate = (row["write_rate"] or 0) >= 0.95 * rate
    sustained = kept_rate and lag_end <= max(20.0, rate * 0.5)
    budget = (cpu_quota / 100.0 * row["window_s"]) if cpu_quota else None
    out = {"rate": rate, "sustained": sustained, "lag_end_lines": round(lag_end, 1),
           "writer_limited": not kept_rate and lag_end <= max(20.0, rate * 0.5),
           "writer_kept_rate": kept_rate, "lines": row["lines"], "cpu_s": row["cpu_s"],
           "cpu_s_per_10k_lines": row["cpu_s_per_10k_lines"],
           "budget_share": round(row["cpu_s"] / budget, 3) if budget else None}
    if progress:
        verdict = ("sustained" if sustained else "the writer did not keep the rate" if out["writer_limited"]
                   else "NOT sustained")
        progress("%s: %g lines/s for %.0f s: %s (lag at the end %.0f lines%s)" % (
            profile, rate, write_s, verdict, lag_end,
            ", %.0f%% of the CPU budget" % (100 * out["budget_share"]) if budget else ""))
    return out


def find_max_rate(profile, window=60.0, start=50.0, precision=1.1, **kwargs):
    """The search for one profile; returns {profile, max_rate, probes}."""
    probes = []
    seed = [kwargs.pop("seed", 1)]

    def ok(rate):
        seed[0] += 1
        p = probe(profile, rate, window, seed=seed[0], **kwargs)
        probes.append(p)
        if p["writer_limited"]:
            raise WriterLimit()
        return p["sustained"]

    lo, hi = None, None
    try:
        lo, hi = _search(ok, float(start), precision)
        limited = False
    except WriterLimit:
        ok_rates = [p["rate"] for p in probes if p["sustained"]]
        lo, limited = (max(ok_rates) if ok_rates else None), True
    return {"profile": profile, "max_rate": lo, "first_failed_rate": hi, "window_s": window,
            "writer_limited": limited, "probes": probes}


class WriterLimit(Exception):
    """The writer could not keep the probe's rate while the server kept up: the search ends."""


def _search(ok, rate, precision):
    """(highest sustained rate or None, lowest failed rate or None)."""
    lo = hi = None
    if ok(rate):
        lo = rate
        while hi is None and rate < MAX_RATE:
            rate *= 2
            if ok(rate):
                lo = rate
            else:
                hi = rate
    else:
        hi = rate
        while lo is None and rate > MIN_RATE:
            rate /= 2
            if ok(rate):
                lo = rate
            else:
                hi = rate
    while lo is not None and hi is not None and hi / lo > precision:
        mid = round((lo * hi) ** 0.5, 1)
        if ok(mid):
            lo = mid
        else:
            hi = mid
    return lo, hi


def run_find_max_rate(profiles=("stock", "tuned"), window=60.0, start=None, precision=1.1, cpu_quota=None,
                      kind="synflood", sources=250, seed=1, python=None, backend_opts=None, progress=None):
    """The search for each profile; returns the summary that ``--json`` writes."""
    t0 = time.time()
    results = [find_max_rate(p, window=window, start=start or 50.0, precision=precision, kind=kind,
                             sources=sources, cpu_quota=cpu_quota, seed=seed, python=python,
                             backend_opts=backend_opts, progress=progress) for p in profiles]
    return {"command": "replay --find-max-rate", "kind": kind, "scenario": "open", "sources": sources,
            "cpu_quota": cpu_quota, "window_s": window, "precision": precision, "results": results,
            "elapsed_s": round(time.time() - t0, 1)}


def table_lines(summary):
    out = ["profile  max sustained lines/s  first failed  probes  CPU s/10k lines at max"]
    for r in summary["results"]:
        at = [p for p in r["probes"] if p["rate"] == r["max_rate"]]
        out.append("%-7s  %21s  %12s  %6d  %s" % (
            r["profile"], "-" if r["max_rate"] is None else "%g" % r["max_rate"],
            "-" if r["first_failed_rate"] is None else "%g" % r["first_failed_rate"], len(r["probes"]),
            "%.4f" % at[0]["cpu_s_per_10k_lines"] if at else "-"))
        if r["writer_limited"]:
            out.append("%s: the writer could not write faster than the server read: at least %s lines/s"
                       % (r["profile"], r["max_rate"]))
    out.append("%s flood, open loop, %d sources, %s s per probe%s; sustained = the writer kept the rate "
               "and the lag at the end of the window stayed under 0.5 s of lines"
               % (summary["kind"], summary["sources"], summary["window_s"],
                  (", CPU quota %g%% of one CPU" % summary["cpu_quota"]) if summary["cpu_quota"] else ""))
    return out
