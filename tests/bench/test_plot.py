"""--plot writes a PNG with matplotlib's Agg backend."""
from f2btune.bench.plot import plot_summary


def test_png(tmp_path):
    rows = [{"candidate": c, "stage": s, "python": p, "lines_per_s": v, "stdev": v / 10,
             "cold_lines_per_s": v / 2, "agrees": c != "bad"}
            for c in ("seed", "bad") for s in ("regex", "filter") for p, v in (("CPython", 1e5), ("PyPy", 2e5))]
    summary = {"results": rows, "pythons": [{"label": "CPython"}, {"label": "PyPy"}],
               "log": "/tmp/flood.log", "lines": 100, "sample_lines": 50}
    path = str(tmp_path / "p.png")
    plot_summary(summary, path)
    with open(path, "rb") as f:
        head = f.read(8)
    assert head == b"\x89PNG\r\n\x1a\n"
