"""`f2btune replay` from the command line: JSON keys, the plot, bad arguments."""
import json

from tests.conftest import run_cli


def test_replay_tuned_json_and_plot(as_root, tmp_path):
    j, png = tmp_path / "r.json", tmp_path / "lag.png"
    r = run_cli("replay", "--profile", "tuned", "--lines", "1500", "--sources", "10", "--rate", "3000",
                "--json", j, "--plot", png, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "CPU s/10k lines" in r.stdout
    data = json.loads(j.read_text())
    row = data["results"][0]
    for k in ("profile", "python", "lines", "cpu_s_per_10k_lines", "lines_per_cpu_s", "ban_latency_ms_p50",
              "ban_latency_ms_p99", "max_lag_lines", "peak_rss_mb"):
        assert k in row
    assert row["profile"] == "tuned" and data["rate"] == 3000.0
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_replay_bad_rate():
    r = run_cli("replay", "--rate", "fast")
    assert r.returncode == 2 and "--rate" in r.stderr and "Traceback" not in r.stderr


def test_replay_bad_profile():
    r = run_cli("replay", "--profile", "/nonexistent/jail.local")
    assert r.returncode == 2 and "profile" in r.stderr
