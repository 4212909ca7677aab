"""No f2btune filter drops a line whose time stamp stock fail2ban reads.

Each filter's datepattern (fast templates first, then ``{^LN-BEG}``) is run through fail2ban's
own DateDetector next to stock's line-begin detection (what stock filters use) on every
stamp of fail2ban's date tests: wherever stock finds a date at the line start, the filter
finds the same time over the same text.  End to end, stock ``sshd`` and ``f2btune-sshd`` then
report the same failures on real sshd messages under every such stamp, also RFC 5424.
"""
import pytest

from f2btune.f2b import make_filter, quiet_logging
from f2btune.paths import build_confdir
from f2btune.suggest.prove import compare, failures
from tests.benchmarks.scripts import load
from tests.filter_d.stamps import all_stamps

# (filter, options, text after the stamp)
FILTERS = [
    ("f2btune-sshd", {}, " host sshd[1]: Failed password for root from 192.0.2.1 port 22 ssh2"),
    ("f2btune-wordpress", {}, " web wordpress(example.com)[1]: Spam comment 1 from 192.0.2.1"),
    ("f2btune-synflood", {}, " pi kernel: f2b-syn: IN=eth0 OUT= SRC=192.0.2.1 DST=192.0.2.2 LEN=60 TTL=52 "
                             "PROTO=TCP SPT=4000 DPT=22 WINDOW=64240 RES=0x00 SYN URGP=0"),
    ("f2btune-apache-auth", {"logging": "syslog"},
     " web httpd[1]: [error] [client 192.0.2.1] user x not found: /"),
]
# Real sshd messages (stock sshd matches each; teliten-vultr, phoenix-aws, secrepo-drill).
MESSAGES = [
    "sshd[17345]: Invalid user jenkins from 14.99.117.134 port 35476",
    "sshd[2214]: Failed password for root from 203.0.113.4 port 5555 ssh2",
    "sshd[29665]: Received disconnect from 182.61.2.8 port 44198:11: Bye Bye [preauth]",
    "sshd[3001]: Connection closed by 122.225.103.87 [preauth]",
    "sshd[3002]: error: PAM: Authentication failure for root from 192.0.2.9",
]


@pytest.fixture(scope="module")
def confdir(tmp_path_factory):
    quiet_logging()
    return build_confdir(str(tmp_path_factory.mktemp("f2bt12-conf")))


def _detect(detector, line):
    found = detector.getTime(line)
    return found and (found[0], found[1].span())


@pytest.mark.parametrize("name,options,rest", FILTERS)
def test_every_stock_stamp_is_read_the_same(confdir, name, options, rest):
    stock = make_filter(datepattern="{^LN-BEG}", confdir=confdir).dateDetector
    ours = make_filter(name, confdir=confdir, options=options).dateDetector
    checked = 0
    for stamp in all_stamps():
        line = stamp + rest
        want = _detect(stock, line)
        if want is None or want[1][0] != 0:
            continue
        assert _detect(ours, line) == want, line
        checked += 1
    assert checked >= 30


def test_stamp_list_is_fail2bans():
    stamps = all_stamps()
    assert "2005-01-23 21:59:59" in stamps and "Jan 23 21:59:59" in stamps and len(stamps) > 35


def test_pins_alone_would_drop_lines(confdir):
    """The check above can fail: the fast templates without the fallback miss stock stamps."""
    stock = make_filter(datepattern="{^LN-BEG}", confdir=confdir).dateDetector
    pins = make_filter(datepattern="^%b %d %H:%M:%S\n^%Y-%m-%dT%H:%M:%S(?:\\.%f)?%z",
                       confdir=confdir).dateDetector
    rest = FILTERS[0][2]
    missed = [s for s in all_stamps() if _detect(stock, s + rest) and _detect(pins, s + rest) != _detect(stock, s + rest)]
    assert "2005-01-23 21:59:59" in missed and "Jan 23 21:59:59.011" in missed


def _stamped(stamps, fmt):
    return [fmt % (s, m) for s in stamps for m in MESSAGES]


def test_sshd_same_failures_under_every_stamp(confdir):
    lines = _stamped(all_stamps(), "%s host %s")
    stock = failures(make_filter("sshd", confdir=confdir), lines)
    ours = failures(make_filter("f2btune-sshd", confdir=confdir), lines)
    assert sum(h is not None for h in stock) >= 35 * 3
    assert compare(stock, ours, lines) == []


RFC5424_STAMPS = ["2005-01-23T20:59:59.252Z", "2005-01-23T15:59:59-05:00", "2019-07-08T17:40:16.954167-04:00",
                  "2005-01-23T21:59:59"]


def test_sshd_rfc5424(confdir):
    lines = _stamped(RFC5424_STAMPS, "<38>1 %s host.example.com %s")
    lines = [l.replace(" sshd[", " sshd ", 1).replace("]: ", " - - ", 1) for l in lines]
    opts = {"logtype": "rfc5424"}
    stock = failures(make_filter("sshd", confdir=confdir, options=opts), lines)
    ours = failures(make_filter("f2btune-sshd", confdir=confdir, options=opts), lines)
    assert sum(h is not None for h in stock) == 3 * len(RFC5424_STAMPS)
    assert compare(stock, ours, lines) == []


@pytest.mark.parametrize("logging,fmt", [
    ("logfile", "[%s] [auth_basic:error] [pid 1:tid 2] [client 192.0.2.1:5] AH01618: user x not found: /"),
    ("logfile", "[%s] [error] [client 192.0.2.1] user x not found: /"),
    ("syslog", "%s web httpd[1]: [error] [client 192.0.2.1] user x not found: /"),
])
def test_apache_auth_same_failures_under_every_stamp(confdir, logging, fmt):
    lines = [fmt % s for s in all_stamps()]
    opts = {"logging": logging}
    stock = failures(make_filter("apache-auth", confdir=confdir, options=opts), lines)
    ours = failures(make_filter("f2btune-apache-auth", confdir=confdir, options=opts), lines)
    assert sum(h is not None for h in stock) >= 35
    assert compare(stock, ours, lines) == []


@pytest.mark.parametrize("kind", ["iso", "rfc3339", "rfc5424"])
def test_real_sshd_log_restamped(confdir, corpus_dir, kind):
    """Real sshd lines (RFC 3164) restamped ISO, RFC 3339 and RFC 5424 (benchmarks/bench_dates.py)."""
    import os
    path = os.path.join(corpus_dir, "teliten-vultr", "auth.log_2022-05-29_vultr.log")
    if not os.path.isfile(path):
        pytest.skip("corpus file not found: %s" % path)
    lines = load("bench_dates").restamped(path, kind)
    opts = {"logtype": "rfc5424"} if kind == "rfc5424" else {}
    stock = failures(make_filter("sshd", confdir=confdir, options=opts), lines)
    ours = failures(make_filter("f2btune-sshd", confdir=confdir, options=opts), lines)
    assert len(lines) >= 3000 and sum(h is not None for h in stock) > 1000
    assert compare(stock, ours, lines) == []
