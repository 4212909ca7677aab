"""Backend ``f2btune-journal`` on real journal files (systemd-journal-remote from export format)."""
import os
import subprocess
import time

import pytest

from f2btune.flood import iter_lines
from tests.backend.conftest import backend_stats, jail, wait_for

REMOTE = "/lib/systemd/systemd-journal-remote"


def write_journal(path, n, sources, seed):
    """A journal file with ``n`` kernel entries stamped now (export format -> journal-remote)."""
    if not os.path.exists(REMOTE):
        pytest.skip("systemd-journal-remote not installed")
    start = time.time() - 5
    recs = list(iter_lines(n, sources=sources, fmt="journal-export", seed=seed, rate=1000.0, start=start))
    data = "".join(r.text + "\n\n" for r in recs)
    subprocess.run([REMOTE, "--output=" + path, "-"], input=data.encode(), check=True,
                   capture_output=True)
    return recs


def test_same_bans_as_stock_systemd_backend(sandbox, tmp_path):
    pytest.importorskip("systemd.journal")
    jpath = str(tmp_path / "remote.journal")
    recs = write_journal(jpath, 300, sources=12, seed=21)
    counts = {}
    for r in recs:
        if r.src:
            counts[r.src] = counts.get(r.src, 0) + 1
    flt = 'f2btune-synflood[logprefix="f2b-syn: ", logtype=journal]'
    sb = sandbox([jail("stock", None, backend="systemd[journalfiles=%s]" % jpath, filt=flt),
                  jail("ours", None, backend="f2btune-journal[journalfiles=%s]" % jpath, filt=flt),
                  jail("alias", None, backend="systemd-f2btune[journalfiles=%s]" % jpath, filt=flt)])
    want = set(s for s, c in counts.items() if c >= 3)
    assert want
    import ipaddress
    want = set(ipaddress.ip_address(s).compressed for s in want)
    assert wait_for(lambda: sb.banned("stock") == want, 30), (sb.banned("stock"), want)
    assert wait_for(lambda: sb.banned("ours") == want and sb.banned("alias") == want, 30)
    st = backend_stats(sb, "ours")
    assert st["lines"] == len(recs) and st["errors"] == 0


def test_missing_systemd_module_says_so(pypy3, root_dir):
    env = dict(os.environ, PYTHONPATH=root_dir + ":/usr/lib/python3/dist-packages")
    code = ("from f2btune.backend.journal import import_journal\n"
            "try:\n    import_journal()\nexcept RuntimeError as e:\n    print(e)\n")
    r = subprocess.run([pypy3, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert "f2btune-journal needs the systemd journal module" in r.stdout, r.stdout + r.stderr
    assert "PyPy" in r.stdout
