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


def test_replay_sshd_open_with_sshguard_and_fold(as_root, tmp_path):
    j = tmp_path / "r.json"
    r = run_cli("replay", "--kind", "sshd", "--scenario", "open", "--peer", "sshguard", "--fold",
                "--lines", "800", "--sources", "6", "--json", j, timeout=600)
    assert r.returncode == 0, r.stderr
    data = json.loads(j.read_text())
    assert data["kind"] == "sshd" and [(p["scenario"], p["sources"], p["rate"]) for p in data["scenarios"]] == \
        [("open", 6, "max")]
    rows = dict((row["profile"], row) for row in data["results"])
    assert set(rows) == {"stock", "tuned", "sshguard"}
    assert all(row["kind"] == "sshd" and row["scenario"] == "open" for row in rows.values())
    assert rows["sshguard"]["peer"] == "sshguard" and rows["tuned"]["peer"] is None
    assert "sshguard" in r.stdout and "open" in r.stdout


def test_replay_journal_source_cli(as_root):
    r = run_cli("replay", "--source", "journal", "--scenario", "closed", "--lines", "600", "--sources", "5",
                timeout=600)
    assert r.returncode == 0, r.stderr
    assert "journal file" in r.stdout and "stock" in r.stdout and "tuned" in r.stdout


def test_replay_find_max_rate_cli(as_root, tmp_path):
    j = tmp_path / "m.json"
    r = run_cli("replay", "--find-max-rate", "--profile", "tuned", "--cpu-quota", "25", "--window", "1.5",
                "--precision", "300", "--rate", "300", "--sources", "10", "--json", j, timeout=600)
    assert r.returncode == 0, r.stderr
    data = json.loads(j.read_text())
    (res,) = data["results"]
    assert res["profile"] == "tuned" and res["probes"] and data["cpu_quota"] == 25
    assert "max sustained lines/s" in r.stdout


def test_replay_usage_errors():
    for args in (("--kind", "telnet"), ("--peer", "psad"), ("--scenario", "half"),
                 ("--find-max-rate", "--peer", "sshguard"), ("--find-max-rate", "--window", "0"),
                 ("--find-max-rate", "--scenario", "closed"), ("--kind", "wordpress", "--source", "journal"),
                 ("--kind", "sshd", "--format", "rfc3339"), ("--sshd-tag", "dropbear"), ("--fold",),
                 ("--kind", "wordpress", "--sshd-tag", "sshd")):
        r = run_cli("replay", *args)
        assert r.returncode == 2 and "Traceback" not in r.stderr, (args, r.stderr)


def test_replay_low_rate_rows_idle_and_budget(as_root, tmp_path):
    """A low-rate row beside max rate, idle CPU, and the share of the CPU budget."""
    j = tmp_path / "low.json"
    r = run_cli("replay", "--scenario", "closed", "--lines", "600", "--sources", "8", "--low-rates", "40",
                "--low-rate-seconds", "4", "--idle-seconds", "2", "--cpu-quota", "50", "--json", j, timeout=600)
    assert r.returncode == 0, r.stderr
    data = json.loads(j.read_text())
    low = [row for row in data["results"] if row["rate"] == 40.0]
    assert set(row["profile"] for row in low) == {"stock", "tuned"}
    for row in low:
        assert row["write_s"] < 10 and 0 < row["lines"] <= 40 * 4 * 1.2
        assert 0 < row["cpu_budget_share"] and row["unbanned_at_end"] == 0
        assert row["bans"] >= row["sources_at_maxretry"]
    assert set(i["profile"] for i in data["idle"]) == {"stock", "tuned"}
    assert all(i["cpu_s"] >= 0 and i["seconds"] >= 2 for i in data["idle"])
    assert "without traffic" in r.stdout and "of its CPU budget" in r.stdout and "@40/s" in r.stdout
    bad = run_cli("replay", "--low-rates", "fast")
    assert bad.returncode == 2 and "--low-rates" in bad.stderr
