"""--find-max-rate: the search on real servers under a CPU quota, and its bisection on its own."""
from f2btune.replay import maxrate


def test_search_bisects_between_a_sustained_and_a_failed_rate():
    capacity = 730.0
    asked = []

    def ok(rate):
        asked.append(rate)
        return rate <= capacity

    lo, hi = maxrate._search(ok, 50.0, 1.1)
    assert lo <= capacity < hi and hi / lo <= 1.1
    assert asked[:5] == [50.0, 100.0, 200.0, 400.0, 800.0]
    lo, hi = maxrate._search(lambda r: r <= 3.0, 50.0, 1.1)          # first probe fails: halve
    assert lo <= 3.0 < hi
    assert maxrate._search(lambda r: False, 4.0, 1.1) == (None, 1.0)


def test_find_max_rate_stock_and_tuned(as_root):
    """Short probes under a generous quota: each profile gets a rate it sustained and one it did
    not (or the writer's own limit), and the probes say why."""
    s = maxrate.run_find_max_rate(window=2.0, start=200.0, precision=4.0, cpu_quota=25, sources=20)
    rows = dict((r["profile"], r) for r in s["results"])
    assert set(rows) == {"stock", "tuned"}
    for r in rows.values():
        assert r["probes"] and all(p["rate"] > 0 and p["cpu_s"] > 0 for p in r["probes"])
        sustained = [p["rate"] for p in r["probes"] if p["sustained"]]
        assert r["max_rate"] == (max(sustained) if sustained else None)
        if r["first_failed_rate"] is not None and r["max_rate"] is not None:
            assert r["first_failed_rate"] > r["max_rate"]
        for p in r["probes"]:
            assert p["budget_share"] is not None and p["budget_share"] <= 1.5   # the quota holds
    text = "\n".join(maxrate.table_lines(s))
    assert "stock" in text and "tuned" in text and "CPU quota 25%" in text
