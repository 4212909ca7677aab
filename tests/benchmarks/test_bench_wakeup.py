"""benchmarks/bench_wakeup.py and bench_inotify.py run (tiny sizes: they work, not their figures)."""
import pytest

from tests.benchmarks.scripts import load


@pytest.fixture(scope="module")
def wakeup():
    return load("bench_wakeup")


def test_a_wake_up_reads_exactly_the_lines_written(wakeup):
    for per_wake in (1, 10):
        w = wakeup.Wakeups(per_wake)
        st = w.jail.filter.stats
        before = st["lines"], st["batches"]
        assert w.timed(5) > 0
        assert st["lines"] - before[0] == 5 * per_wake
        assert st["batches"] - before[1] == 5            # one batch per wake-up
        assert st["errors"] == 0


def test_breakdown_names_the_backend_steps(wakeup, capsys):
    wakeup.breakdown(1, n=20)
    out = capsys.readouterr().out
    assert "process_raw_lines" in out and "_read_available" in out


def test_inotify_both_ways_take_each_event():
    bench = load("bench_inotify")
    assert bench.raw_loop(5) > 0
    assert bench.pyinotify_loop(5) > 0
