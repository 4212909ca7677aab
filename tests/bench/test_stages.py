"""The stages run fail2ban's real objects."""
import os

from f2btune import flood
from f2btune.bench import logs, stages
from f2btune.bench.api import seed_candidate as seed


def test_regex_and_filter_passes(flood_log):
    path, summary = flood_log
    lines = logs.read_sample(path, 100)
    assert len(lines) == 100
    st = stages.make_stage("regex", seed(), lines)
    st.reset()
    assert st.run() == sum(1 for r in flood.iter_lines(100, sources=30, ipv6=0.2, seed=11) if r.src)
    st = stages.make_stage("filter", seed(), lines)
    st.reset()
    st.run()
    st.close()


def test_jail_stage_bans_through_fail2ban_and_never_bans_ignored(tmp_path):
    recs = list(flood.iter_lines(400, sources=10, noise=0.0, ipv6=0.0, seed=12))
    target = recs[0].src
    # rewrite one attacker into 127.0.0.0/8 (ignoreip): it must be found, ignored, never banned
    lines = [r.text.replace("SRC=%s " % target, "SRC=127.0.0.5 ") for r in recs]
    st = stages.make_stage("jail-info", seed(), lines)
    try:
        st.reset()
        st.run()
        banned = set(str(ip) for ip in st.jail.actions.banManager.getBanList())
        assert "127.0.0.5" not in banned
        assert banned == set(r.src for r in recs if r.src != target)
        assert st.bans() == len(banned)
        st._handler.flush()
        log = open(st._logpath).read()
        assert "Found " in log and "Ban " in log and "Ignore 127.0.0.5" in log
        st.reset()  # a fresh jail per pass
        assert st.bans() == 0
    finally:
        st.close()
    assert not os.path.exists(st._tmp)
