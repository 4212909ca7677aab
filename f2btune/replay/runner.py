"""All runs of a replay: per scenario, each profile (and interpreter) and each peer on the same flood.

Method (also shown by ``f2btune replay --help``):

- fail2ban runs in a sandbox inside a network namespace (:mod:`.f2brun`); peers run on a log
  file in a temporary directory (:mod:`.peers`);
- the flood (:func:`f2btune.flood.iter_kind`: ``--lines`` records offered, ``--sources``
  attackers, 10 % noise) is appended by :class:`.writer.FloodWriter`; closed loop: a banned
  source's lines are no longer written; open loop: they are, and must all be read;
- the CPU window opens once the reader has gone quiet after start-up (same rule for every
  profile) and closes when it has read everything and every due source is banned
  (:mod:`.measure`);
- every 50 ms the reader's /proc entries are sampled: CPU (user + system, forked actions
  included), read bytes (``rchar``), RSS; lag = bytes written - bytes read, in lines;
- ban latency = the ban being visible (ipset in the namespace, or the peer's block command) -
  the writer writing that source's maxretry-th failure.
"""
import os
import shutil
import sys
import tempfile

from f2btune.errors import DependencyError, UsageError
from f2btune.flood import KINDS, iter_kind
from f2btune.replay.due import seconds
from f2btune.replay.f2brun import measure_idle, run_fail2ban
from f2btune.replay.peers import PEERS, run_peer
from f2btune.replay.profiles import settings
from f2btune.replay.writer import FloodWriter

SCENARIOS = ("closed", "open")
# the default report: a closed loop from 250 sources beside an open loop from 100 000
DEFAULT_SCENARIOS = (("closed", 250), ("open", 100000))


def stamp_format(kind, fmt):
    return "apache" if kind == "apache-auth" else fmt


def writer_factory(kind, scenario, lines, sources, rate, seed, fmt, fold=False, duration=None,
                   sshd_tag="sshd-session"):
    """A function (path, maxretry, journal stream, findtime s) -> a fresh FloodWriter of the same flood."""
    default_findtime = seconds(settings(kind)["findtime"])

    def make(path, maxretry, journal, findtime=None):
        records = iter_kind(kind, lines, sources=sources, rate=40.0, seed=seed, fold=fold, sshd_tag=sshd_tag,
                            **({"fmt": fmt} if kind == "synflood" else {}))
        return FloodWriter(path, records, maxretry, rate=rate, fmt=stamp_format(kind, fmt),
                           open_loop=scenario == "open", journal=journal, duration=duration,
                           findtime=default_findtime if findtime is None else findtime)
    return make


def check_environment():
    if os.geteuid() != 0:
        raise DependencyError("f2btune replay needs root (network namespace, firewall inside it)")
    for exe in ("ip", "ipset", "iptables"):
        if not shutil.which(exe):
            raise DependencyError("%s not found (apt-get install iproute2 ipset iptables)" % exe)


def check_arguments(profiles, lines, sources, rate, kind, source, peers, scenarios, fmt):
    if lines < 100:
        raise UsageError("--lines must be at least 100")
    if sources is not None and sources < 1:
        raise UsageError("--sources must be at least 1")
    if rate is not None and rate <= 0:
        raise UsageError("--rate must be positive or 'max'")
    if kind not in KINDS:
        raise UsageError("--kind must be one of %s" % ", ".join(KINDS))
    if source == "journal" and kind not in ("synflood", "sshd"):
        raise UsageError("--source journal replays synflood or sshd floods, not %s" % kind)
    if kind != "synflood" and fmt != "syslog":
        raise UsageError("--format applies to synflood only")
    for p in peers:
        if p not in PEERS:
            raise UsageError("--peer must be one of %s" % ", ".join(PEERS))
    if peers and source == "journal":
        raise UsageError("--peer replays log files; it cannot be combined with --source journal")
    for s in scenarios:
        if s not in SCENARIOS:
            raise UsageError("--scenario must be closed or open")
    for p in profiles:
        if p not in ("stock", "tuned") and not os.path.isfile(p):
            raise UsageError("--profile must be stock, tuned or a jail.local file; %r is none of these" % p)


def ratios(results):
    out = []
    groups = {}
    for r in results:
        groups.setdefault((r["scenario"], r["sources"], r.get("rate") or 0), []).append(r)
    for (scenario, sources, rate), rows in sorted(groups.items()):
        for py in sorted(set(r["python"] for r in rows if not r["peer"])):
            base = [r for r in rows if r["python"] == py and r["profile"] == "stock"]
            if not base or not base[0]["cpu_s_per_10k_lines"]:
                continue
            for r in rows:
                if r is base[0] or (r["python"] != py and not r["peer"]) or not r["cpu_s_per_10k_lines"]:
                    continue
                out.append({"python": r["python"], "profile": r["profile"], "baseline": "stock/%s" % py,
                            "scenario": scenario, "sources": sources, "rate": rate or "max",
                            "cpu_per_line_ratio": round(base[0]["cpu_s_per_10k_lines"] / r["cpu_s_per_10k_lines"], 2),
                            "total_cpu_ratio": round(base[0]["cpu_s"] / r["cpu_s"], 2) if r["cpu_s"] else None})
    return out


def make_plan(scenarios, sources, rate, lines, low_rates, low_rate_s):
    """[(scenario, sources, rate or None, lines, duration or None)]: the scenarios at ``rate``,
    then a closed loop at each of ``low_rates`` for ``low_rate_s`` seconds."""
    names = scenarios or [s for s, _ in DEFAULT_SCENARIOS]
    count = dict(DEFAULT_SCENARIOS)
    plan = [(s, sources or count[s], rate, lines, None) for s in names if s in count] + \
        [(s, sources or 250, rate, lines, None) for s in names if s not in count]
    for r in low_rates:
        plan.append(("closed", sources or 250, float(r), int(r * low_rate_s * 1.5) + 100, low_rate_s))
    return plan


def run_replay(profiles=("stock", "tuned"), pythons=(None,), lines=100000, sources=None, rate=None,
               cpu_quota=None, seed=1, fmt="syslog", backend_opts=None, progress=None, settle_s=None,
               kind="synflood", scenarios=None, peers=(), source="file", fold=False, sshd_tag="sshd-session",
               low_rates=(), low_rate_s=60.0, idle_s=0.0):
    """All runs; returns the summary dict that ``--json`` writes.

    ``scenarios`` None: closed loop with 250 sources and open loop with 100 000 (``sources``,
    when given, replaces both counts).  ``low_rates``: closed-loop rows at these rates for
    ``low_rate_s`` seconds each.  ``idle_s``: each profile's CPU over that long without traffic."""
    plan = make_plan(scenarios, sources, rate, lines, low_rates, low_rate_s)
    if kind != "sshd" and (fold or sshd_tag != "sshd-session"):
        raise UsageError("--fold and --sshd-tag apply to --kind sshd only")
    check_arguments(profiles, lines, sources, rate, kind, source, peers, [p[0] for p in plan], fmt)
    for r in low_rates:
        if r <= 0:
            raise UsageError("--low-rates must be positive rates")
    if low_rates and low_rate_s < 1 or idle_s < 0:
        raise UsageError("--low-rate-seconds must be at least 1 and --idle-seconds not negative")
    check_environment()
    results, lags, idle = [], {}, []
    st = settings(kind)
    for scenario, nsrc, r, n, duration in plan:
        make = writer_factory(kind, scenario, n, nsrc, r, seed, fmt, fold, sshd_tag=sshd_tag, duration=duration)
        for py in pythons:
            for prof in profiles:
                row, lag = run_fail2ban(prof, make, kind=kind, source=source, python=py, cpu_quota=cpu_quota,
                                        backend_opts=backend_opts, settle_s=settle_s, progress=progress)
                _add(results, lags, row, lag, kind, scenario, nsrc, source, r)
        for peer in peers:
            work = tempfile.mkdtemp(prefix="f2btune-replay-%s-" % peer)
            try:
                row, lag = run_peer(peer, make, kind, st, work, settle_s=settle_s, progress=progress)
            finally:
                shutil.rmtree(work, ignore_errors=True)
            _add(results, lags, row, lag, kind, scenario, nsrc, source, r)
    if idle_s:
        for py in pythons:
            for prof in profiles:
                idle.append(measure_idle(prof, idle_s, kind=kind, source=source, python=py,
                                         cpu_quota=cpu_quota, backend_opts=backend_opts, progress=progress))
    return {
        "command": "replay",
        "kind": kind,
        "source": source,
        "lines": lines,
        "scenarios": [{"scenario": p[0], "sources": p[1], "rate": p[2] or "max", "seconds": p[4]} for p in plan],
        "rate": rate or "max",
        "format": fmt,
        "cpu_quota": cpu_quota,
        "python": os.path.basename(sys.executable),
        "results": results,
        "ratios": ratios(results),
        "idle": idle,
        "lag": dict((k, [[round(t, 3), None if l is None else round(l, 1)] for t, l in v]) for k, v in lags.items()),
    }


def _add(results, lags, row, lag, kind, scenario, nsrc, source, rate):
    row.update({"kind": kind, "scenario": scenario, "sources": nsrc, "source": source, "rate": rate})
    results.append(row)
    lags["%s/%s %s/%d@%s" % (row["profile"], row["python"], scenario, nsrc, rate or "max")] = lag
