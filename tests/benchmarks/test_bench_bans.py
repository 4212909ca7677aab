"""benchmarks/bench_bans.py runs end to end (tiny sizes: this checks it works, not its figures)."""
import json
import os
import subprocess
import sys

from tests.conftest import ROOT


def test_bench_bans_smoke(tmp_path, as_root):
    out = tmp_path / "bans.json"
    p = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "bench_bans.py"),
                        "--actions", "f2btune-ipset.py,iptables-ipset",
                        "-p", "1", "-n", "1", "-w", "0", "-l", "5", "-o", str(out)],
                       cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, timeout=600)
    assert p.returncode == 0, p.stdout
    with open(str(out)) as f:
        names = sorted(b["metadata"]["name"] for b in json.load(f)["benchmarks"])
    assert names == ["ban f2btune-ipset.py", "ban iptables-ipset", "cpu f2btune-ipset.py", "cpu iptables-ipset"]
    assert not [n for n in os.listdir("/run/netns") if n.startswith("f2bt-ban-bench")]
