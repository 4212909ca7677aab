"""Every Debian stock filter with a sample in fail2ban's test files: the backend counts exactly
the failures fail2ban's own per-line path counts (anchor prefilter, own failregex counting,
stamp cache and hand-off included)."""
import glob
import os

import pytest

from f2btune.backend.register import register
from f2btune.f2b import apply_filter_commands, filter_commands

from tests.backend.conftest import counts

FILTER_D = "/etc/fail2ban/filter.d"
SAMPLES = "/usr/lib/python3/dist-packages/fail2ban/tests/files/logs"
# filters that once lost failures to literals joined across the date's spot
DATE_INSIDE = ("nginx-botsearch", "nginx-bad-request", "traefik-auth", "apache-pass",
               "selinux-ssh", "tine20", "groupoffice")


def stock_filters():
    names = sorted(os.path.basename(p)[:-5] for p in glob.glob(FILTER_D + "/*.conf"))
    return [n for n in names if os.path.isfile(os.path.join(SAMPLES, n))]


def sample_lines(name):
    with open(os.path.join(SAMPLES, name), "rb") as f:
        raw = f.read().split(b"\n")
    return [x for x in raw if x and not x.startswith(b"#")]


def make(name, backend):
    from fail2ban.server.jail import Jail
    j = Jail("%s-%s" % (backend[:4], name), backend=backend)
    flt = j.filter
    apply_filter_commands(flt, filter_commands(os.path.join(FILTER_D, name + ".conf")))
    flt.setMaxRetry(10 ** 6)                  # nobody is banned: every failure keeps counting
    flt.setFindTime(10 ** 10)                 # sample stamps span years
    flt.setUseDns("no")
    flt.checkFindTime = False
    flt.sleeptime = 0                         # stock sleeps after a line it fails on
    flt.inOperation = True
    return flt




@pytest.fixture(scope="module")
def registered():
    if not os.path.isdir(SAMPLES):
        pytest.skip("fail2ban's test files are not installed")
    register()


def test_the_list_covers_the_filters_that_were_blinded(registered):
    names = stock_filters()
    assert len(names) > 60
    assert set(DATE_INSIDE) <= set(names)


@pytest.mark.parametrize("name", stock_filters())
def test_same_failures_as_stock(registered, name):
    lines = sample_lines(name)
    stock, ours = make(name, "polling"), make(name, "f2btune")
    for raw in lines:
        stock.processLineAndAdd(raw.decode("utf-8", "replace"))
    for i in range(0, len(lines), 7):          # batches that cut multi-line groups too
        ours.process_raw_lines(lines[i:i + 7])
    assert counts(ours) == counts(stock)
    assert ours.stats["errors"] == 0


def test_the_prefilter_works_where_the_stamp_starts_the_line(registered):
    """postfix's sample: syslog stamps at the line start, so lines without the literals are dropped."""
    ours = make("postfix", "f2btune")
    lines = sample_lines("postfix")
    ours.process_raw_lines(lines)
    st = ours.stats
    assert st["anchor_dropped"] > 0 and st["anchor_dropped"] + st["prefilter_skipped"] < len(lines)
