"""Short real replays: both profiles, sandboxed server in a namespace, /proc metrics, sshguard, journal."""
import os

import pytest

from f2btune.replay import measure, report, runner
from f2btune.errors import UsageError

KEYS = ("profile", "python", "kind", "scenario", "peer", "sources", "lines", "cpu_s_per_10k_lines", "lines_per_cpu_s", "ban_latency_ms_p50",
        "ban_latency_ms_p99", "max_lag_lines", "peak_rss_mb")


def test_replay_both_profiles(as_root, tmp_path):
    s = runner.run_replay(lines=3000, sources=15, settle_s=60, scenarios=("closed",))
    rows = dict((r["profile"], r) for r in s["results"])
    assert set(rows) == {"stock", "tuned"}
    for r in rows.values():
        assert all(k in r for k in KEYS)
        # closed loop: every source that reached maxretry got banned, and its later lines stopped
        assert r["caught_up"] and r["unbanned_at_end"] == 0
        assert r["bans"] == r["sources_at_maxretry"] > 0
        assert r["lines"] + r["dropped_banned_lines"] == r["offered_lines"] == 3000
        assert r["cpu_s_per_10k_lines"] > 0 and r["peak_rss_mb"] > 10
        # the window starts once start-up is over (same rule for both profiles)
        assert r["settled_s"] is not None
        assert r["thread_cpu_s"] and sum(r["thread_cpu_s"].values()) <= r["cpu_s"] + 0.01
    st = rows["tuned"]["backend_stats"]
    assert st["lines"] == rows["tuned"]["lines"] and st["errors"] == 0
    assert s["ratios"][0]["profile"] == "tuned"
    text = "\n".join(report.table_lines(s))
    assert "tuned/" in text and "less CPU per line" in text
    png = str(tmp_path / "lag.png")
    report.plot_lag(s, png)
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert not [n for n in os.listdir("/run/netns") if n.startswith("f2bt-rp-%d-" % os.getpid())]


def test_sshd_open_loop_with_sshguard(as_root):
    """sshd flood, open loop: banned sources keep writing and every line is read, by fail2ban
    (stock with sshd-session seen, tuned) and by the real sshguard with its null backend."""
    s = runner.run_replay(lines=1500, sources=12, settle_s=120, kind="sshd", scenarios=("open",),
                          peers=("sshguard",))
    rows = dict((r["profile"], r) for r in s["results"])
    assert set(rows) == {"stock", "tuned", "sshguard"}
    for r in rows.values():
        assert all(k in r for k in KEYS)
        assert r["kind"] == "sshd" and r["scenario"] == "open" and r["sources"] == 12
        # open loop: nothing is dropped, everything is read
        assert r["lines"] == r["offered_lines"] == 1500 and r["dropped_banned_lines"] == 0
        assert r["caught_up"] and r["lines_processed"] == 1500
        assert r["bans"] > 0 and r["cpu_s"] > 0 and r["peak_rss_mb"] > 0
    assert rows["sshguard"]["peer"] == "sshguard" and rows["stock"]["peer"] is None
    assert rows["sshguard"]["backend_stats"]["blocks"] == rows["sshguard"]["bans"]
    for name in ("stock", "tuned"):
        assert rows[name]["unbanned_at_end"] == 0 and rows[name]["bans"] == rows[name]["sources_at_maxretry"]
    assert "sshguard" in "\n".join(report.table_lines(s))


def test_sshguard_cannot_read_kernel_lines(as_root):
    s = runner.run_replay(profiles=(), lines=500, sources=5, settle_s=60, scenarios=("open",),
                          peers=("sshguard",))
    (row,) = s["results"]
    assert row["bans"] == 0 and row["caught_up"] and "kernel LOG" in row["peer_note"]
    assert "kernel LOG" in "\n".join(report.table_lines(s))


@pytest.mark.parametrize("kind", ("synflood", "sshd"))
def test_journal_source(as_root, kind):
    """Entries appended live to a journal file: stock backend = systemd and tuned f2btune-journal."""
    s = runner.run_replay(lines=1200, sources=8, settle_s=120, source="journal", scenarios=("closed",), kind=kind)
    rows = dict((r["profile"], r) for r in s["results"])
    assert set(rows) == {"stock", "tuned"}
    for r in rows.values():
        assert r["source"] == "journal" and r["caught_up"]
        assert r["bans"] == r["sources_at_maxretry"] > 0 and r["unbanned_at_end"] == 0
        assert r["max_lag_lines"] is None             # mmap reads: no lag figure
    assert rows["tuned"]["backend_stats"]["lines"] >= rows["tuned"]["lines"] - rows["tuned"]["dropped_banned_lines"]


def test_bad_arguments():
    with pytest.raises(UsageError):
        runner.run_replay(lines=10)
    with pytest.raises(UsageError):
        runner.run_replay(profiles=("nonsense",))
    with pytest.raises(UsageError):
        runner.run_replay(kind="telnet")
    with pytest.raises(UsageError):
        runner.run_replay(kind="apache-auth", source="journal")
    with pytest.raises(UsageError):
        runner.run_replay(peers=("psad",))
    with pytest.raises(UsageError):
        runner.run_replay(peers=("sshguard",), source="journal")
    with pytest.raises(UsageError):
        runner.run_replay(scenarios=("half-open",))


def test_percentile():
    assert measure.percentile([], 50) is None
    assert measure.percentile([1, 2, 3, 4], 50) == 2
    assert measure.percentile(list(range(1, 101)), 99) == 99
