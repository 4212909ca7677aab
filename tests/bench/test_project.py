"""Projection arithmetic and labelling (the calibration figure here is synthetic)."""
from f2btune.bench import project


def test_ranges_scale_and_are_labelled():
    calib = {"us_per_line": 2 * project.REFERENCE["us_per_line"], "us_per_line_stdev": 0.1,
             "pyperf_json": None}
    rows = [{"candidate": "seed", "stage": "filter", "python": "CPython", "lines_per_s": 1000.0,
             "jit": False},
            {"candidate": "seed", "stage": "filter", "python": "PyPy", "lines_per_s": 2000.0,
             "jit": True}]
    p = project.project("pi5", calib, rows)
    assert p["projected"] is True and p["calibration"]["machine_factor"] == 2.0
    lo, hi = project.CLASSES["pi5"]["slower"]
    assert abs(p["rows"][0]["low"] - 2000.0 / hi) < 1e-9 and abs(p["rows"][0]["high"] - 2000.0 / lo) < 1e-9
    zero = project.project("pi-zero", calib, rows)
    assert "na" in zero["rows"][1] and "low" in zero["rows"][0]
    text = "\n".join(project.format_projection(p))
    assert text.startswith("PROJECTED, not measured") and "(projected)" in text


def test_classes_are_ordered_by_speed():
    slow = [project.CLASSES[c]["slower"] for c in ("pi5", "pi4", "pi3", "pi-zero")]
    assert all(a[0] < a[1] for a in slow)
    assert [s[0] for s in slow] == sorted(s[0] for s in slow)
