"""The per-line part: folded syslog repeats (<F-REPEATS>) and undated lines, in one process."""
import logging
import time

import pytest

from f2btune.backend.register import register

from tests.backend.conftest import counts

# a small sshd-like filter whose second failregex matches rsyslog's folded form
FAILREGEX = (r"^ \S+ sshd\[\d+\]: Failed password for \S+ from <HOST> port \d+ ssh2$",
             r"^ \S+ sshd\[\d+\]: message repeated <F-REPEATS>\d+</F-REPEATS> times: \[ "
             r"Failed password for \S+ from <HOST> port \d+ ssh2\]$")


@pytest.fixture(scope="module", autouse=True)
def registered():
    register()


def jail(backend):
    from fail2ban.server.jail import Jail
    j = Jail("rep-" + backend, backend=backend)
    flt = j.filter
    for rx in FAILREGEX:
        flt.addFailRegex(rx)
    flt.setMaxRetry(10 ** 6)
    flt.setFindTime(600)
    flt.setUseDns("no")
    flt.inOperation = True
    return j


def lines_now():
    stamp = time.strftime("%b %e %H:%M:%S")
    return [
        stamp + " pi sshd[10]: Failed password for root from 192.0.2.7 port 1 ssh2",
        stamp + " pi sshd[10]: message repeated 4 times: [ Failed password for root from 192.0.2.7 port 1 ssh2]",
        stamp + " pi sshd[11]: message repeated 2 times: [ Failed password for bob from 2001:db8::5 port 2 ssh2]",
        stamp + " pi sshd[12]: Failed password for eve from 192.0.2.8 port 3 ssh2",
        stamp + " pi sshd[12]: message repeated 3 times: [ Failed password for eve from 192.0.2.8 port 3 ssh2]",
    ]

@pytest.mark.parametrize("fast", [True, False])
def test_folded_repeats_count_n_failures(fast):
    ours, stock = jail("f2btune"), jail("polling")
    if not fast:
        ours.filter.inOperation = False       # every line through fail2ban's processLine
    ours.filter.process_raw_lines([x.encode() for x in lines_now()])
    assert counts(ours.filter) == (11, {"192.0.2.7": 5, "2001:db8::5": 2, "192.0.2.8": 4})
    assert (ours.filter.stats["counted_lines"] == 11) == fast     # the backend's own count
    for x in lines_now():                     # the stock backends count a folded line once
        stock.filter.processLineAndAdd(x)
    assert counts(stock.filter) == (5, {"192.0.2.7": 2, "2001:db8::5": 1, "192.0.2.8": 2})


def test_undated_lines_are_counted_and_warned_once(caplog):
    from fail2ban.server.jail import Jail
    j = Jail("isodates", backend="f2btune")
    j.filter.addFailRegex("SRC=<ADDR> ")
    j.filter.setDatePattern("^%Y-%m-%d %H:%M:%S")
    j.filter.inOperation = True
    iso = time.strftime("%Y-%m-%d %H:%M:%S")
    rfc = time.strftime("%b %e %H:%M:%S")
    with caplog.at_level(logging.WARNING, logger="fail2ban.f2btune"):
        j.filter.process_raw_lines([(iso + " k: SRC=192.0.2.1 ").encode(),
                                    (rfc + " k: SRC=192.0.2.2 ").encode(),
                                    (rfc + " k: SRC=192.0.2.3 ").encode()])
    st = j.filter.stats
    assert st["undated"] == 2
    warned = [r for r in caplog.records if "counted in status as undated" in r.getMessage()]
    assert len(warned) == 1 and "192.0.2.2" in warned[0].getMessage()
    assert "undated=2" in dict(j.filter.stats_status())["f2btune"]


def test_raw_banned_check_runs_while_banned_lines_are_common(root_dir):
    """A banned source's lines are skipped on their raw bytes, before decoding, while banned
    lines are common; after a batch without them the check rests (a flood of new sources
    pays nothing for it) and those lines are skipped after the failregex instead: the
    same count either way."""
    from fail2ban.server.mytime import MyTime
    from tests.backend.conftest import flood_lines
    from tests.backend.test_pending import make_jail
    t = time.time()
    MyTime.setTime(t)
    try:
        j = make_jail("rawcheck", "f2btune", root_dir, 'f2btune-synflood[logprefix="f2b-syn: "]', 3, "600")
        lines, srcs = flood_lines(400, sources=40, seed=9, noise=0, ipv6=0, now=t)
        banned = srcs[0]
        ours = [x.encode() + b" \xff" for x, s in zip(lines, srcs) if s == banned]
        others = [x.encode() for x, s in zip(lines, srcs) if s != banned][:2]
        j.filter.process_raw_lines([x.encode() for x, s in zip(lines, srcs) if s == banned][:3])
        assert j.filter.stats["bans"] == 1            # queued: banned from now on
        j.filter.process_raw_lines(ours)              # the next batch sees banned lines common
        st = j.filter.stats
        st["banned_skipped"] = st["undecodable"] = 0
        steps = []
        for batch in (ours, others, ours, ours):
            j.filter.process_raw_lines(batch)
            steps.append((st["banned_skipped"], st["undecodable"]))
        n = len(ours)
        assert n >= 3
        assert steps == [(n, 0), (n, 0), (2 * n, n), (3 * n, n)]
    finally:
        MyTime.setTime(None)
