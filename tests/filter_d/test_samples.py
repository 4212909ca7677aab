"""Every shipped filter passes fail2ban's own samplestestcase on tests/files/logs/<filter>."""
import os

import pytest

from f2btune.paths import shipped_filters
from f2btune.suggest.samples import check_samples

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FILTERS = shipped_filters(ROOT)


def test_filters_shipped():
    assert "f2btune-synflood" in FILTERS
    assert "f2btune-common" not in FILTERS  # shared definitions, not a filter


@pytest.mark.parametrize("name", FILTERS)
def test_samples(name):
    sample = os.path.join(ROOT, "tests", "files", "logs", name)
    assert os.path.isfile(sample), "no sample log for %s" % name
    ok, out = check_samples(os.path.join(ROOT, "filter.d", name + ".conf"), sample)
    assert ok, out[-4000:]
    assert "Ran 1 test" in out


def test_checker_catches_a_wrong_expectation(tmp_path):
    """The sample check can fail: flip one expectation and it must."""
    src = os.path.join(ROOT, "tests", "files", "logs", "f2btune-synflood")
    with open(src) as f:
        text = f.read()
    bad = text.replace('"host": "192.0.2.7"', '"host": "192.0.2.77"', 1)
    assert bad != text
    p = tmp_path / "f2btune-synflood"
    p.write_text(bad)
    ok, out = check_samples(os.path.join(ROOT, "filter.d", "f2btune-synflood.conf"), str(p))
    assert not ok
    assert "192.0.2.77" in out
