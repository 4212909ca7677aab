"""Each finding: a small config that triggers it, and one that does not (real fail2ban readers)."""
import pytest

from f2btune.check import run_check
from tests.check.helpers import ANCHORED, SEED_REGEX, app_lines, ids, iso_lines, make_conf

NETFILTER = r"^\s*\S+ kernel: \[\s*\d+\.\d+\] f2b-syn: IN=\S* OUT=\S* (?:MAC=\S+ )?SRC=<ADDR> "
KERNEL_LINE = ("{stamp} host kernel: [ 1234.567890] f2b-syn: IN=eth0 OUT= "
               "MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 "
               "SRC=198.51.100.{n} DST=192.0.2.10 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=1 DF PROTO=TCP SPT=4{n:04d} "
               "DPT=80 WINDOW=64240 RES=0x00 SYN URGP=0 ")



def kernel_log(n=40, step=10.0):
    out = []
    for i, l in enumerate(app_lines(n, step)):
        stamp = l[:15]
        out.append(KERNEL_LINE.format(stamp=stamp, n=1 + i % 50))
    return out


F = {"test": "failregex = %s\n" % ANCHORED}
CASES = {
    # id: (triggering config, clean config); each a dict of make_conf keyword arguments
    "regex-unanchored": (
        dict(filters={"test": "failregex = Failed login from <ADDR>\\s*$\n"}),
        dict(filters=F)),
    "regex-greedy-before-host": (
        dict(filters={"test": "failregex = ^.* Failed login from <ADDR>\n"}),
        dict(filters={"test": "failregex = ^.* Failed login from <ADDR>\\s*$\n"})),
    "host-usedns": (
        dict(filters={"test": "failregex = %s\n" % ANCHORED.replace("<ADDR>", "<HOST>")}, jail="usedns = warn\n"),
        dict(filters={"test": "failregex = %s\n" % ANCHORED.replace("<ADDR>", "<HOST>")}, jail="usedns = no\n")),
    "maxlines": (
        dict(filters={"test": F["test"] + "maxlines = 3\n"}),
        dict(filters={"test": F["test"] + "maxlines = 1\n"})),
    "date-autodetect": (
        dict(jail="datepattern = {^LN-BEG}\n"),
        dict(jail="datepattern = ^%%b %%d %%H:%%M:%%S\n")),
    "date-rejected": (
        dict(log_lines=iso_lines()),
        dict(log_lines=iso_lines(), jail="datepattern = ^%%Y-%%m-%%d %%H:%%M:%%S\n")),
    "polling-backend": (
        dict(jail="backend = polling\n"),
        dict(jail="backend = pyinotify\n")),
    "systemd-no-journalmatch": (
        dict(jail="backend = systemd\n"),
        dict(jail="backend = systemd\njournalmatch = _SYSTEMD_UNIT=app.service\n")),
    "missing-logfile": (
        dict(jail="logpath = /nonexistent/f2btune-check-test.log\n"),
        dict()),
    "log-not-sampled": (
        dict(jail="logpath = /dev/zero\n"),
        dict()),
    "ignorecommand-no-cache": (
        dict(jail="ignorecommand = /bin/false\n"),
        dict(jail='ignorecommand = /bin/false\nignorecache = key="<ip>", max-count=100, max-time=5m\n')),
    "command-ban-action": (
        dict(filters={"test": "failregex = %s\n" % NETFILTER}, log_lines=kernel_log(),
             jail="action = iptables-multiport[name=test, port=http]\n"),
        dict(filters={"test": "failregex = %s\n" % NETFILTER}, log_lines=kernel_log(),
             jail="action = f2btune-ipset.py[name=test]\n")),
    "loglevel-info": (
        dict(filters={"test": "failregex = %s\n" % NETFILTER}, log_lines=kernel_log(), fail2ban="loglevel = INFO\n"),
        dict(filters={"test": "failregex = %s\n" % NETFILTER}, log_lines=kernel_log(), fail2ban="loglevel = NOTICE\n")),
    "increment-no-db": (
        dict(jail="bantime.increment = true\n", fail2ban="dbfile = :memory:\n"),
        dict(jail="bantime.increment = true\n")),
    "bantime-over-ipset-limit": (
        dict(jail="action = iptables-ipset-proto6[name=test, port=http]\nbantime = 30d\n"),
        dict(jail="action = iptables-ipset-proto6[name=test, port=http]\nbantime = 1d\n")),
}


@pytest.mark.parametrize("finding", sorted(CASES))
def test_finding_triggers(tmp_path, finding):
    report = run_check(make_conf(tmp_path, **CASES[finding][0]))
    assert finding in ids(report), [f.message for f in report.findings]
    f = next(f for f in report.findings if f.id == finding)
    assert f.message and f.severity in ("error", "warning", "info")
    assert f.cost and f.cost["kind"] == "estimate" and f.cost["text"]


@pytest.mark.parametrize("finding", sorted(CASES))
def test_finding_clean(tmp_path, finding):
    report = run_check(make_conf(tmp_path, **CASES[finding][1]))
    assert finding not in ids(report), [f.message for f in report.findings]


def test_clean_jail_has_no_findings(tmp_path):
    report = run_check(make_conf(tmp_path, fail2ban="loglevel = NOTICE\n"))
    assert report.findings == []
    assert not report.problems


def test_every_finding_type_has_a_case():
    from f2btune.check import describe_findings
    registered = set(k.id for k in describe_findings())
    from tests.check.test_spoof import SPOOF_IDS      # cases need a syslog configuration: there
    assert set(CASES) | {"config-error"} | set(SPOOF_IDS) == registered


def test_seed_regex_findings(tmp_path):
    """The seed's kernel regex: unanchored and a lazy catch-all before <HOST>."""
    conf = make_conf(tmp_path, filters={"test": "failregex = %s\n" % SEED_REGEX}, log_lines=kernel_log(),
                     jail="usedns = warn\n")
    found = ids(run_check(conf))
    for expected in ("regex-unanchored", "regex-greedy-before-host", "host-usedns", "loglevel-info",
                     "command-ban-action"):
        assert expected in found


def test_busy_from_log_rate(tmp_path):
    """A non-netfilter jail is busy when its own filter finds >= 1 failure/s in its log."""
    busy = run_check(make_conf(tmp_path / "a", log_lines=app_lines(60, step=0.5)))
    calm = run_check(make_conf(tmp_path / "b", log_lines=app_lines(60, step=30)))
    assert "loglevel-info" in ids(busy) and "command-ban-action" in ids(busy)
    assert "loglevel-info" not in ids(calm) and "command-ban-action" not in ids(calm)


def test_suggested_datepattern_fits(tmp_path):
    """The datepattern check proposes: applying it makes the finding go away, same failures found."""
    first = run_check(make_conf(tmp_path / "a", jail="datepattern =\n"))
    (f,) = [f for f in first.findings if f.id == "date-autodetect"]
    pattern = f.fix.split("=", 1)[1].strip()
    second = run_check(make_conf(tmp_path / "b", jail="datepattern = %s\n" % pattern))
    assert "date-autodetect" not in ids(second)
    from f2btune.check.sample import sample, volume
    v1 = volume(first.config.jails[0], sample(first.config.jails[0]))
    v2 = volume(second.config.jails[0], sample(second.config.jails[0]))
    assert v1.failures == v2.failures == 40 and v1.span == v2.span


def test_increment_without_maxtime_over_ipset_limit(tmp_path):
    conf = make_conf(tmp_path, jail="action = iptables-ipset-proto6[name=test, port=http]\n"
                                    "bantime.increment = true\n")
    assert "bantime-over-ipset-limit" in ids(run_check(conf))
    conf = make_conf(tmp_path / "b", jail="action = iptables-ipset-proto6[name=test, port=http]\n"
                                          "bantime.increment = true\nbantime.maxtime = 20d\n")
    assert "bantime-over-ipset-limit" not in ids(run_check(conf))


def test_config_error_jail(tmp_path):
    """A jail fail2ban cannot read is reported; the other jails are still checked."""
    conf = make_conf(tmp_path, jail="[broken]\nenabled = true\nfilter = no-such-filter-f2btune\nlogpath = {log}\n")
    report = run_check(conf)
    assert ids(report, "broken") == ["config-error"]
    assert [j.name for j in report.config.jails] == ["test", "broken"]


def test_f2btune_ipset_rearms_past_the_ipset_limit(tmp_path):
    conf = make_conf(tmp_path, jail="action = f2btune-ipset.py[name=test]\nbantime = 30d\n")
    assert "bantime-over-ipset-limit" not in ids(run_check(conf))


def test_rejected_dates_counted_and_fixed(tmp_path):
    """A log whose stamp changed half-way: the pinned datepattern drops the ISO half; the
    proposed fix (the pin, then fail2ban's line-start detection) reads every line."""
    lines = app_lines(20) + iso_lines(20, start=None)
    first = run_check(make_conf(tmp_path / "a", log_lines=lines))
    (f,) = [f for f in first.findings if f.id == "date-rejected"]
    assert f.severity == "warning" and f.is_problem
    assert "on 20 of the last 40 lines" in f.message and "(20 failures dropped)" in f.message
    assert iso_lines(1)[0][:4] in f.message
    assert f.fix.splitlines()[-1].strip() == "{^LN-BEG}"
    pattern = f.fix.split("=", 1)[1].strip()
    second = run_check(make_conf(tmp_path / "b", log_lines=lines, jail="datepattern = %s\n" % pattern))
    assert "date-rejected" not in ids(second) and "date-autodetect" not in ids(second)
    from f2btune.check.sample import sample, volume
    jail = second.config.jails[0]
    assert volume(jail, sample(jail)).failures == 40
    jail = first.config.jails[0]
    assert volume(jail, sample(jail)).failures == 20


def test_rejected_lines_without_failures_are_info(tmp_path):
    """Undated lines that hold no failure are reported, but not as a problem."""
    lines = app_lines(20) + [l.replace("Failed login", "Session opened") for l in iso_lines(5)]
    (f,) = [f for f in run_check(make_conf(tmp_path, log_lines=lines)).findings if f.id == "date-rejected"]
    assert f.severity == "info" and "(0 failures dropped)" in f.message


def test_undatable_lines_are_not_rejected(tmp_path):
    """Lines no stock detection dates either (no stamp at all) are not the datepattern's fault."""
    lines = app_lines(20) + ["host app[42]: Failed login from 192.0.2.9"] * 3
    assert "date-rejected" not in ids(run_check(make_conf(tmp_path, log_lines=lines)))


def test_default_marker_after_a_pin_still_drops_lines(tmp_path):
    """fail2ban 1.0.2 adds no template for {DEFAULT} after another pattern: measured, reported."""
    conf = make_conf(tmp_path / "a", log_lines=iso_lines(), jail="datepattern = ^%%b %%d %%H:%%M:%%S\n    {DEFAULT}\n")
    assert "date-rejected" in ids(run_check(conf))
    conf = make_conf(tmp_path / "b", log_lines=iso_lines(), jail="datepattern = ^%%b %%d %%H:%%M:%%S\n    {^LN-BEG}\n")
    assert "date-rejected" not in ids(run_check(conf))
