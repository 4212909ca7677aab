"""benchmarks/bench_lowrate.py runs (a short run: it works, not its figures)."""
from tests.benchmarks.scripts import load


def test_both_loops_read_the_paced_lines_and_report_their_cpu():
    bench = load("bench_lowrate")
    us, lines_per_wake, budget = bench.backend_run(rate=50, seconds=0.6)
    assert us > 0 and lines_per_wake > 0 and budget > 0
    assert bench.floor_run(rate=50, seconds=0.6, delay=budget) > 0
    assert bench.floor_run(rate=50, seconds=0.6, delay=budget, touch=50) > 0
    assert bench.floor_run(rate=50, seconds=0.6, delay=budget, lean=True) > 0


def test_the_lean_loop_finds_the_address_of_each_flood_line():
    bench = load("bench_lowrate")
    w = bench.Wakeups(1)
    address = bench.lean_search(w.jail.filter)
    seen = 0
    for raw in w.lines[:200]:
        text = raw.decode().rstrip("\n")
        want = text.split(" SRC=")[1].split()[0] if " f2b-syn: " in text else None
        assert address(text[15:] + "\n") == want
        seen += want is not None
    assert seen > 100
