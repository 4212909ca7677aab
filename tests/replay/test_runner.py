"""A short real replay: both profiles, sandboxed server in a namespace, closed loop, /proc metrics."""
import os

import pytest

from f2btune.replay import report, runner
from f2btune.errors import UsageError

KEYS = ("profile", "python", "lines", "cpu_s_per_10k_lines", "lines_per_cpu_s", "ban_latency_ms_p50",
        "ban_latency_ms_p99", "max_lag_lines", "peak_rss_mb")


def test_replay_both_profiles(as_root, tmp_path):
    s = runner.run_replay(lines=3000, sources=15, settle_s=60)
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
    assert "tuned/" in text and "less server CPU per line" in text
    png = str(tmp_path / "lag.png")
    report.plot_lag(s, png)
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert not [n for n in os.listdir("/run/netns") if n.startswith("f2bt-rp-%d-" % os.getpid())]


def test_bad_arguments():
    with pytest.raises(UsageError):
        runner.run_replay(lines=10)
    with pytest.raises(UsageError):
        runner.run_replay(profiles=("nonsense",))


def test_percentile():
    assert runner.percentile([], 50) is None
    assert runner.percentile([1, 2, 3, 4], 50) == 2
    assert runner.percentile(list(range(1, 101)), 99) == 99
