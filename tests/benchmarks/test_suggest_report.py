"""benchmarks/suggest_report.py runs end to end (without the timing part, to stay fast)."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LOGS = "/usr/lib/python3/dist-packages/fail2ban/tests/files/logs"


def test_suggest_report(tmp_path):
    if not os.path.isdir(LOGS):
        pytest.skip("fail2ban's sample logs are not installed")
    out = tmp_path / "report.md"
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "suggest_report.py"),
                           "--no-bench", "--min-lines", "50", "--filters", "dropbear,pure-ftpd",
                           "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    rows = {l.split("|")[1].strip(): l for l in text.splitlines() if l.startswith("| ") and "---" not in l}
    assert "| yes |" in rows["dropbear"] and "n/a" in rows["dropbear"]
    assert "**no**" in rows["pure-ftpd"] and "too small" in rows["pure-ftpd"]
    assert "Equivalent: 1 of 2 filters" in text
    cells = [c.strip() for c in rows["dropbear"].split("|")]
    stock, suggested = cells[5].split(" -> ")
    assert int(stock) >= 1 and int(suggested) >= 1
