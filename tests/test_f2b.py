"""f2btune.f2b: reading filters the way fail2ban does, by name or by path."""
import os

import pytest

from f2btune import f2b
from f2btune.errors import InputError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LINE = "Nov 22 03:00:01 pi sshd[4242]: Failed password for root from 192.0.2.7 port 40000 ssh2"


def _host(flt, line):
    f2b.quiet_logging()
    found = []
    for fail in flt.processLine(line) or ():
        found.append(fail[1])
    return found


def test_snippet_path_with_stock_includes_is_read_in_a_merged_confdir():
    # f2btune-sshd.conf includes stock sshd.conf and common.conf, which the source tree lacks
    flt = f2b.make_filter(os.path.join(ROOT, "filter.d", "f2btune-sshd.conf"))
    assert [str(h) for h in _host(flt, LINE)] == ["192.0.2.7"]


def test_stock_filter_by_name():
    flt = f2b.make_filter("sshd")
    assert [str(h) for h in _host(flt, LINE)] == ["192.0.2.7"]


@pytest.mark.parametrize("spec", ["no-such-filter", "/nonexistent/filter.d/x.conf", "sshd[bad"])
def test_bad_filter_spec_is_an_input_error(spec):
    with pytest.raises(InputError):
        f2b.make_filter(spec)
