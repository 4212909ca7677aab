"""Helpers for the backend tests: private fail2ban-servers and flood lines with current stamps."""
import os
import time

import pytest

from f2btune.flood import iter_lines
from f2btune.replay.sandbox import Sandbox
from f2btune.replay.writer import Stamper

SYNFLOOD = 'f2btune-synflood[logprefix="f2b-syn: "]'


def flood_lines(n, sources=20, seed=3, noise=0.1, ipv6=0.1, now=None):
    """(lines with the current (or ``now``'s) syslog stamp, [src per line]) from the real
    flood generator."""
    st = Stamper("syslog")
    now = time.time() if now is None else now
    out, srcs = [], []
    for rec in iter_lines(n, sources=sources, seed=seed, noise=noise, ipv6=ipv6):
        out.append(st(now) + rec.text[15:])
        srcs.append(rec.src)
    return out, srcs


def append(path, lines, end="\n"):
    with open(path, "a") as f:
        for line in lines:
            f.write(line + end)


def jail(name, logpath, backend="f2btune", filt=SYNFLOOD, **extra):
    opts = [("enabled", "true"), ("filter", filt), ("backend", backend), ("action", "dummy"),
            ("usedns", "no"), ("maxretry", "3"), ("findtime", "600"), ("bantime", "600")]
    if logpath is not None:
        opts.append(("logpath", logpath))
    for k, v in extra.items():
        opts = [o for o in opts if o[0] != k.replace("_", ".")] + [(k.replace("_", "."), v)]
    return name, opts


def wait_for(cond, timeout=20.0, step=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(step)
    return cond()


def status_field(sb, jailname, field):
    """An integer field of `fail2ban-client status JAIL` (e.g. 'Total failed')."""
    out = sb.client("status", jailname).stdout
    for line in out.splitlines():
        if field + ":" in line:
            return int(line.split(":", 1)[1].strip())
    raise AssertionError("no %r in %s" % (field, out))


def backend_stats(sb, jailname):
    out = sb.client("status", jailname).stdout
    for line in out.splitlines():
        if "f2btune:" in line:
            return dict((k, int(v)) for k, v in (kv.split("=") for kv in line.split("f2btune:", 1)[1].split()))
    raise AssertionError("no f2btune stats in %s" % out)


@pytest.fixture
def sandbox(tmp_path):
    """Factory: sandbox(jails, **kw) -> a started Sandbox, stopped and removed at the end."""
    made = []

    def make(jails, start=True, workdir=None, **kw):
        sb = Sandbox(jails, workdir=workdir or str(tmp_path / ("sb%d" % len(made))), loglevel="INFO", **kw)
        made.append(sb)
        if start:
            sb.start()
            sb.wait_jails_started([j[0] for j in jails])
        return sb

    yield make
    for sb in made:
        sb.stop()


@pytest.fixture
def logdir(tmp_path):
    d = tmp_path / "logs"
    d.mkdir()
    return d


def touch(path):
    open(path, "a").close()
    return str(path)


def ensure_dir(p):
    os.makedirs(p, exist_ok=True)
    return p


def counting(flt):
    """{address: (failures, matches)} a jail is counting: its FailManager's, plus (f2btune
    backend) the addresses the backend counts itself until they reach maxretry."""
    own = getattr(flt, "counted_failures", None)
    if own is not None:
        return own()
    fl = flt.failManager._FailManager__failList
    return dict((str(k), (v.getRetry(), v.getMatches())) for k, v in fl.items())


def counts(flt):
    """("Total failed", {address: failures}) of a jail's filter."""
    return flt.failManager.getFailTotal(), dict((k, v[0]) for k, v in counting(flt).items())
