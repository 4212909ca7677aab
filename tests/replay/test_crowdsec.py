"""The CrowdSec peer: Debian's crowdsec, offline, on a small sshd flood (older OpenSSH wording)."""
from f2btune.replay import report, runner


def test_crowdsec_bans_an_sshd_flood(as_root):
    s = runner.run_replay(profiles=(), lines=1500, sources=8, settle_s=60, kind="sshd",
                          scenarios=("closed",), peers=("crowdsec",), sshd_tag="sshd")
    (row,) = s["results"]
    assert row["peer"] == "crowdsec" and row["python"] == "Go"
    assert row["bans"] > 0 and row["backend_stats"]["decisions"] >= row["bans"]
    assert row["cpu_s"] > 0 and row["peak_rss_mb"] > 10 and row["caught_up"]
    assert "sshd-session" in "\n".join(report.table_lines(s))


def test_crowdsec_does_not_read_sshd_session_lines(as_root):
    """crowdsec 1.4.6's sshd parser reads program 'sshd' only: OpenSSH 9.8's wording gives it nothing."""
    s = runner.run_replay(profiles=(), lines=800, sources=5, settle_s=60, kind="sshd",
                          scenarios=("closed",), peers=("crowdsec",))
    (row,) = s["results"]
    assert row["bans"] == 0 and row["sources_at_maxretry"] > 0
