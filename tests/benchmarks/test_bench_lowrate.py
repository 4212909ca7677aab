"""benchmarks/bench_lowrate.py runs (a short run: it works, not its figures)."""
from tests.benchmarks.scripts import load


def test_both_loops_read_the_paced_lines_and_report_their_cpu():
    bench = load("bench_lowrate")
    us, lines_per_wake, budget = bench.backend_run(rate=50, seconds=0.6)
    assert us > 0 and lines_per_wake > 0 and budget > 0
    assert bench.floor_run(rate=50, seconds=0.6, delay=budget) > 0
    assert bench.floor_run(rate=50, seconds=0.6, delay=budget, touch=50) > 0
