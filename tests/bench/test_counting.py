"""Counting streams over the whole log and agrees with the generator."""
from f2btune import flood
from f2btune.bench import counting
from f2btune.bench.api import seed_candidate as seed
from f2btune.bench.candidates import Candidate


def test_counting_matches_what_the_generator_wrote(flood_log, test_filter):
    path, summary = flood_log
    lines, counts = counting.count_log(path, [seed(), Candidate.filter(test_filter),
                                              Candidate.regex(r"SRC=<IP4> DST", name="v4only")])
    assert lines == summary["lines"]
    for level in ("regex", "filter"):
        assert counts[0][level]["matched"] == summary["attack_lines"]
        assert counts[0][level]["hosts"] == summary["hosts"]
        assert counts[1][level] == counts[0][level]            # same lines, same addresses
        assert counts[2][level]["digest"] != counts[0][level]["digest"]  # misses the IPv6 ones
        assert counts[2][level]["matched"] < counts[0][level]["matched"]


def test_counting_memory_is_bounded(tmp_path):
    import tracemalloc
    path = str(tmp_path / "big.log")
    flood.write_flood(path, 6000, sources=50, seed=13)
    tracemalloc.start()
    counting.count_log(path, [seed()])
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
        counting.count_log(flood_log[0], [seed()])
        assert handler in logger.handlers and logger.level == level
    finally:
        logger.removeHandler(handler)
