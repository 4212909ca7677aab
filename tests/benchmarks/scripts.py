"""Import a standalone script of benchmarks/ as a module (its helpers are tested directly)."""
import importlib
import os
import sys

BENCHMARKS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                          "benchmarks")


def load(name):
    sys.path.insert(0, BENCHMARKS)
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(BENCHMARKS)


def run_rows(name, corpus_dir, timeout=1800):
    """Run benchmarks/<name>.py CORPUS --json; its rows, after checking every one agrees."""
    import json
    import subprocess
    proc = subprocess.run([sys.executable, os.path.join(BENCHMARKS, name + ".py"), corpus_dir, "--json"],
                          capture_output=True, text=True, timeout=timeout)
    rows = json.loads(proc.stdout)
    bad = [r for r in rows if not r["agrees"]]
    assert not bad, bad
    assert proc.returncode == 0, proc.stderr
    return rows
