"""The stages run fail2ban's real objects; counting streams and agrees with the generator."""
import os

import pytest

from f2btune import flood
from f2btune.bench import stages
from f2btune.bench.api import SEED_REGEX
from f2btune.bench.candidates import Candidate
from f2btune.errors import InputError


def seed():
    return Candidate.regex(SEED_REGEX, name="seed")


@pytest.mark.parametrize("kind, words", [("missing", "not found"), ("empty", "empty"),
                                         ("binary", "binary"), ("directory", "directory")])
def test_check_log_rejects_bad_input(bad_logs, kind, words):
    with pytest.raises(InputError, match=words):
        stages.check_log(bad_logs[kind])


def test_counting_matches_what_the_generator_wrote(flood_log, test_filter):
    path, summary = flood_log
    lines, counts = stages.count_log(path, [seed(), Candidate.filter(test_filter),
                                            Candidate.regex(r"SRC=<IP4> DST", name="v4only")])
    assert lines == summary["lines"]
    for level in ("regex", "filter"):
        assert counts[0][level]["matched"] == summary["attack_lines"]
        assert counts[0][level]["hosts"] == summary["hosts"]
        assert counts[1][level] == counts[0][level]            # same lines, same addresses
        assert counts[2][level]["digest"] != counts[0][level]["digest"]  # misses the IPv6 ones
        assert counts[2][level]["matched"] < counts[0][level]["matched"]


def test_regex_and_filter_passes(flood_log):
    path, summary = flood_log
    lines = stages.read_sample(path, 100)
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


def test_counting_memory_is_bounded(tmp_path):
    import tracemalloc
    path = str(tmp_path / "big.log")
    flood.write_flood(path, 6000, sources=50, seed=13)
    tracemalloc.start()
    stages.count_log(path, [seed()])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # 6000 lines are ~1.5 MB of text: the pass must not keep them
    assert peak < 1024 * 1024 + 50 * 1024


def test_counting_leaves_the_callers_fail2ban_logging_alone(flood_log):
    import logging
    logger = logging.getLogger("fail2ban")
    handler = logging.NullHandler()
    logger.addHandler(handler)
    level = logger.level
    try:
        stages.count_log(flood_log[0], [seed()])
        assert handler in logger.handlers and logger.level == level
    finally:
        logger.removeHandler(handler)
