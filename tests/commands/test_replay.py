"""`f2btune replay` from the command line: JSON keys, the plot, bad arguments, SIGTERM."""
import glob
import json
import os
import re
import signal
import subprocess
import sys

from tests.conftest import ROOT, run_cli


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


def _mentions(pid_tag):
    """Processes whose command line names ``pid_tag`` (the sandbox of one replay)."""
    out = []
    for d in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            with open(d, "rb") as f:
                if pid_tag.encode() in f.read():
                    out.append(d)
        except OSError:
            pass
    return out


def test_replay_sigterm_tears_down_its_sandbox(as_root):
    """SIGTERM in the middle of a flood (200 s of it) ends the run as Ctrl-C does (status
    130): its fail2ban-server, network namespace, cgroup and directory are gone when it exits."""
    p = subprocess.Popen([sys.executable, "-m", "f2btune", "replay", "--profile", "tuned",
                          "--scenario", "open", "--sources", "100000", "--lines", "20000",
                          "--rate", "100", "--low-rates", "none", "--idle-seconds", "0",
                          "--cpu-quota", "50"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    seen = []
    try:
        for line in p.stdout:
            seen.append(line)
            if "writing the flood" in line:
                break
        assert "writing the flood" in "".join(seen), "".join(seen)
        p.send_signal(signal.SIGTERM)
        rest = p.communicate(timeout=180)[0]
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 130, "".join(seen) + rest
    assert "interrupted" in rest and "Traceback" not in rest
    ns = re.search(r"in netns (\S+)", "".join(seen)).group(1)
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert ns not in listed
    tag = "f2btune-replay-%d-" % p.pid
    assert _mentions(tag) == []
    assert glob.glob("/sys/fs/cgroup/**/%s*" % tag, recursive=True) == []
    assert glob.glob(os.path.join(os.environ.get("TMPDIR", "/tmp"), tag + "*")) == []
