"""The --measure hook's pieces: the jail's filter written out, the LOG prefix read from a log."""
import os

from f2btune.check.config import load
from f2btune.check.measure import filter_file_text, f2btune_filter, kernel_prefix, regex_literal
from f2btune.f2b import make_filter
from tests.check.helpers import SEED_REGEX, app_lines, make_conf


def matches(flt, lines):
    flt.checkFindTime = False
    return [[x[1] for x in flt.processLine(l)] for l in lines]


def test_filter_file_round_trip(tmp_path):
    """The written-out filter, read back by fail2ban, finds exactly what the jail's filter finds."""
    lines = app_lines(30) + ["Nov 22 01:00:00 host other: Failed login from 192.0.2.9 100% sure"]
    conf = make_conf(tmp_path, filters={"test": "prefregex = ^\\s*\\S+ app\\[\\d+\\]: <F-CONTENT>.+</F-CONTENT>$\n"
                                                "failregex = ^Failed login from <ADDR>\\s*$\n"
                                                "            ^Bad 100%% <ADDR>$\n"
                                                "ignoreregex = ^Failed login from 192\\.0\\.2\\.4$\n"},
                     log_lines=lines)
    (jail,) = load(conf).jails
    path = str(tmp_path / "jail.conf")
    with open(path, "w") as f:
        f.write(filter_file_text(jail))
    from f2btune.check.sample import jail_filter
    ours = matches(make_filter(filter_spec=path), lines)
    assert ours == matches(jail_filter(jail), lines)
    assert sum(1 for m in ours if m) == 23   # 30 lines, the 7 from 192.0.2.4 ignored


def test_kernel_prefix_and_literal():
    lines = ["Nov 22 01:00:00 h kernel: [ 1.000000] [UFW BLOCK] IN=eth0 OUT= MAC=x SRC=192.0.2.1 DST=y",
             "Nov 22 01:00:01 h kernel: [UFW BLOCK] IN=eth0 OUT= SRC=192.0.2.2 DST=y",
             "Nov 22 01:00:02 h kernel: f2b-syn: IN=eth0 OUT= SRC=192.0.2.3 DST=y"]
    assert kernel_prefix(lines) == "[UFW BLOCK] "
    assert regex_literal("[UFW BLOCK]") == "\\[UFW BLOCK\\]"
    assert kernel_prefix(["no kernel line"]) == ""


def test_matching_f2btune_filter(tmp_path):
    conf = make_conf(tmp_path, filters={"test": "failregex = %s\n" % SEED_REGEX})
    (jail,) = load(conf).jails
    spec, confdir = f2btune_filter(jail, ["Nov 22 01:00:00 h kernel: [ 1.0] f2b-syn: IN=e OUT= SRC=a DST=b"], conf)
    assert spec == 'f2btune-synflood[logprefix="f2b-syn:"]' and confdir == conf
    assert os.path.isfile(os.path.join(conf, "filter.d", "f2btune-synflood.conf"))
