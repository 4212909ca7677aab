"""The backend's own per-address counter against fail2ban's FailManager, in one process with
fail2ban's clock driven by the test: the same bans, at the same point, for every jail f2btune
ships (real Filter, Jail, FailManager; the flood generator's lines and real sshd captures)."""
import configparser
import os
import random

import pytest

from f2btune.backend.pending import PendingCounts
from f2btune.backend.records import Group
from f2btune.backend.register import register
from f2btune.f2b import apply_filter_commands, filter_commands
from f2btune.flood import iter_lines, stamp_3164

from tests.backend.conftest import counts, flood_lines

CORPUS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "corpus")
AUTH_LOG = os.path.join(CORPUS, "phoenix-aws", "auth.log.4")


@pytest.fixture(scope="module", autouse=True)
def registered():
    register()


@pytest.fixture
def clock():
    from fail2ban.server.mytime import MyTime
    yield MyTime.setTime
    MyTime.setTime(None)


def test_count_follows_failmanager_arithmetic():
    """Counts spread over more than findtime are scaled as FailTicket.adjustTime scales them:
    the counter reaches maxretry exactly when the FailManager would."""
    from fail2ban.server.failmanager import FailManager
    from fail2ban.server.ticket import FailTicket
    rng = random.Random(16)
    for _ in range(300):
        findtime, maxretry = rng.choice((10, 30, 600)), rng.randint(2, 12)
        fm = FailManager()
        fm.setMaxTime(findtime)
        pend = PendingCounts(100)
        t = 1e9
        while True:
            t += rng.choice((0, 0.5, 3, findtime / 2.0, findtime * 1.5))
            n = rng.choice((1, 1, 1, 2, 4))
            tick = FailTicket("192.0.2.1", t)
            ours = pend.add("192.0.2.1", Group(t, t, n, [], {}, "192.0.2.1"), maxretry, findtime, 0)
            stock = fm.addFailure(tick, n) if n > 1 else fm.addFailure(tick)
            assert (ours is not None) == (stock >= maxretry), (findtime, maxretry, stock)
            if ours is not None:
                assert ours.count == stock
                break


def test_expired_entries_go_and_the_cap_spills_the_oldest():
    pend = PendingCounts(3)
    for i in range(5):
        assert pend.add("192.0.2.%d" % i, Group(100.0 + i, 100.0 + i, 1, [], {}, None), 5, 30, 1) is None
    assert [k for k, _ in pend.overflow()] == ["192.0.2.0", "192.0.2.1"] and len(pend) == 3
    pend.sweep(132.5, 30)                      # 192.0.2.2 (t=102) is older than findtime
    assert "192.0.2.2" not in pend and len(pend) == 2 and pend.expired == 1


def shipped_jails(root_dir):
    """(name, filter spec, maxretry, findtime) of each jail in jail.d/f2btune.conf; journal
    filters read as files (the same regex after the journal's own prefix)."""
    cp = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=("#",))
    cp.read(os.path.join(root_dir, "jail.d", "f2btune.conf"))
    out = []
    for name in cp.sections():
        sec = cp[name]
        spec = sec["filter"].replace(", logtype=journal", "").replace("logtype=journal", "")
        out.append((name, spec, int(sec.get("maxretry", "5")), sec.get("findtime", "600")))
    return out


def make_jail(name, backend, root_dir, spec, maxretry, findtime):
    from fail2ban.server.jail import Jail
    j = Jail(name, backend=backend)
    flt = j.filter
    apply_filter_commands(flt, filter_commands(spec, confdir=root_dir if spec.startswith("f2btune") else None))
    flt.setMaxRetry(maxretry)
    flt.setFindTime(findtime)
    flt.setUseDns("no")
    flt.addIgnoreIP("198.51.100.0/24")
    flt.inOperation = True
    if backend == "f2btune":
        flt.options.promptban = False
    j.actions.setBanTime(10 ** 6)
    return j


def banned_now(jail):
    """Tickets the filter queued, put into the ban list as the actions thread does."""
    from fail2ban.server.banmanager import BanTicket
    out = set()
    while True:
        t = jail.getFailTicket()
        if not t:
            return out
        out.add(str(t.getID()))
        jail.actions.banManager.addBanTicket(BanTicket.wrap(t))


def run_both(stock, ours, timed_lines, span=1.0):
    """Feed ``[(epoch, line)]`` line by line to stock and batch by batch (``span`` seconds of
    lines) to ours, fail2ban's clock at each line / batch end; {address: batch of its ban}."""
    bans = ({}, {})
    batch, batch_no = [], 0

    def flush():
        if batch:
            clock(batch[-1][0])
            ours.filter.process_raw_lines([x.encode() for _, x in batch])
            for ip in banned_now(ours):
                bans[1].setdefault(ip, batch_no)
            for t, x in batch:
                clock(t)
                stock.filter.processLineAndAdd(x)
                for ip in banned_now(stock):
                    bans[0].setdefault(ip, batch_no)
    from fail2ban.server.mytime import MyTime
    clock = MyTime.setTime
    for t, x in timed_lines:
        if batch and t - batch[0][0] >= span:
            flush()
            batch, batch_no = [], batch_no + 1
        batch.append((t, x))
    flush()
    return bans


def synflood_lines(spec, n, sources, findtime):
    prefix = spec.split('logprefix="', 1)[1].split('"', 1)[0] if "logprefix=" in spec else "f2b-syn: "
    rate = n / (3.0 * findtime)                # the flood spans three findtimes
    out = []
    for rec in iter_lines(n, sources=sources, rate=rate, prefix=prefix, seed=16, start=1.7e9):
        ip = rec.src or ""
        if ip.startswith("203.0.113."):        # some sources in the jail's ignoreip
            rec = rec._replace(text=rec.text.replace("SRC=" + ip, "SRC=198.51.100." + ip.rsplit(".", 1)[1]))
        text = rec.text[15:]
        if "mode=verified" in spec:            # a handshake's ACK, not a SYN
            text = text.replace(" SYN URGP=", " ACK URGP=")
        out.append((rec.time, stamp_3164(rec.time) + text))
    return out


def test_same_bans_as_stock_for_every_shipped_jail(root_dir, clock):
    jails = shipped_jails(root_dir)
    assert len(jails) >= 5
    for name, spec, maxretry, findtime in jails:
        if spec.startswith("recidive"):
            timed = recidive_lines(name)
        else:
            ft = float(findtime.rstrip("hms")) * (3600 if findtime.endswith("h") else 1)
            timed = synflood_lines(spec, 3000, 400, ft)
        stock = make_jail("s-" + name[8:], "polling", root_dir, spec, maxretry, findtime)
        ours = make_jail("o-" + name[8:], "f2btune", root_dir, spec, maxretry, findtime)
        b_stock, b_ours = run_both(stock, ours, timed)
        assert b_stock == b_ours and len(b_ours) > 5, name
        st = ours.filter.stats
        assert st["errors"] == 0 and (maxretry == 1 or st["parked"] > 0), (name, st)


def recidive_lines(name):
    rng = random.Random(name)
    out, t = [], 1.7e9
    for i in range(600):
        t += rng.random() * 60
        ip = "192.0.2.%d" % rng.randint(1, 40) if i % 7 else "198.51.100.%d" % rng.randint(1, 9)
        stamp = __import__("time").strftime("%Y-%m-%d %H:%M:%S", __import__("time").localtime(t))
        out.append((t, "%s,%03d fail2ban.actions        [%d]: NOTICE  [sshd] Ban %s"
                    % (stamp, rng.randint(0, 999), 1000 + i, ip)))
    return out


@pytest.mark.skipif(not os.path.isfile(AUTH_LOG), reason="needs ../shared/corpus beside the clone")
def test_f2btune_sshd_same_bans_and_counts_on_a_real_capture(root_dir, clock):
    """f2btune-sshd (prefregex, multi-line ids) on a real brute-force capture, re-stamped so
    fail2ban's clock can be driven: the same bans and, for everyone else, the same counts.
    (rsyslog's folded repeats are left out: they count N with this backend, once with stock.)"""
    with open(AUTH_LOG, "rb") as f:
        raw = [x.decode("utf-8", "replace") for x in f.read().split(b"\n")[:6000]
               if x and b"message repeated" not in x]
    t0, timed = 1.7e9, []
    for i, line in enumerate(raw):
        t = t0 + i * 0.25
        timed.append((t, stamp_3164(t) + line[15:]))
    spec = os.path.join(root_dir, "filter.d", "f2btune-sshd.conf")
    stock = make_jail("s-sshd", "polling", root_dir, spec, 5, "600")
    ours = make_jail("o-sshd", "f2btune", root_dir, spec, 5, "600")
    b_stock, b_ours = run_both(stock, ours, timed, span=2.0)
    assert b_stock == b_ours and len(b_ours) > 3
    c_stock, c_ours = counts(stock.filter), counts(ours.filter)
    assert dict((k, v) for k, v in c_stock[1].items() if k not in b_stock) == \
        dict((k, v) for k, v in c_ours[1].items() if k not in b_ours)
    assert ours.filter.stats["parked"] > 0 and ours.filter.stats["errors"] == 0
    assert ours.filter.stats["banned_dropped"] > 0       # lines of banned addresses went on


def test_weighted_counting_hook_and_addresses_leaving_the_counter(root_dir, clock):
    """An action that weighs failures in the FailManager (as the tolerance action does:
    FailManager.addFailure scaled by a factor, maxretry * factor, the filter's getMaxRetry
    unscaled, f2bt_split_accounts for the addresses it weighs differently): addresses counted
    here are banned at the same failure; an address that becomes weighed differently while
    counted here brings its earlier failures to the FailManager."""
    from fail2ban.server.mytime import MyTime
    factor, t = 3, 1.7e9
    clock(t)
    j = make_jail("weigh", "f2btune", root_dir, 'f2btune-synflood[logprefix="f2b-syn: "]', 4, "600")
    flt, fm = j.filter, j.filter.failManager
    add = fm.addFailure
    special = set()
    fm.addFailure = lambda tick, count=1, observed=False: add(
        tick, count * (1 if str(tick.getID()) in special else factor), observed)
    flt.getMaxRetry = lambda: fm.getMaxRetry() // factor
    fm.setMaxRetry(4 * factor)
    flt.f2bt_split_accounts = lambda fid: str(fid) in special
    lines, srcs = flood_lines(400, sources=40, seed=16, noise=0, ipv6=0, now=t)
    by_src = {}
    for x, src in zip(lines, srcs):
        by_src.setdefault(src, []).append(x)
    a, b = [s for s in by_src if len(by_src[s]) >= 8 and not s.startswith("198.51.100.")][:2]
    MyTime.setTime(t)
    flt.process_raw_lines([x.encode() for x in by_src[a][:3] + by_src[b][:3]])
    assert a in flt._pending and b in flt._pending and not banned_now(j)
    special.add(b)                             # b is weighed 1 from now on
    flt.process_raw_lines([x.encode() for x in by_src[a][3:4] + by_src[b][3:4]])
    assert banned_now(j) == {a}                # 4 failures x factor 3 = 12
    assert b not in flt._pending
    fd = fm._FailManager__failList[b]
    assert fd.getRetry() == 4                  # the 3 counted here reach it too (weighed 1 here)



def test_maxpending_option():
    from fail2ban.server.jail import Jail
    with pytest.raises(ValueError, match="maxpending"):
        Jail("mp1", backend="f2btune[maxpending=many]")
    with pytest.raises(ValueError, match="maxpending"):
        Jail("mp2", backend="f2btune[maxpending=-1]")
    assert Jail("mp3", backend="f2btune[maxpending=0]").filter._pending is None
    assert Jail("mp4", backend="f2btune[maxpending=7]").filter._pending.cap == 7


def test_a_tally_merged_in_place_equals_a_group_added():
    """add_tally (a batch's Tally into an existing entry) leaves the entry as add() with the
    Group built from the same Tally would."""
    from f2btune.backend.pending import unresolved
    from f2btune.backend.records import Tally
    rng = random.Random(17)
    for _ in range(300):
        findtime, keep = rng.choice((10, 30, 600)), rng.choice((0, 1, 3, 10))
        a, b = PendingCounts(10), PendingCounts(10)
        t0 = 1e9
        first = Tally(1, t0, (("", "line 0", ""), t0))
        a.add("x", unresolved(first, keep), 10 ** 6, findtime, keep)
        b.add("x", unresolved(first, keep), 10 ** 6, findtime, keep)
        for i in range(1, rng.randint(2, 30)):
            t0 += rng.choice((0, 0.5, 3, findtime / 2.0, findtime * 1.5))
            tally = Tally(rng.choice((1, 2)), t0, (("", "line %d" % i, ""), t0))
            for j in range(rng.randint(0, 4)):
                tally.add(1, t0 - rng.random(), (("", "line %d.%d" % (i, j), ""), t0), max(keep, 1))
            a.add("x", unresolved(tally, keep), 10 ** 6, findtime, keep)
            b.add_tally(b.entries["x"], tally, findtime, keep)
            ea, eb = a.entries["x"], b.entries["x"]
            assert (ea.count, ea.first, ea.last, ea.parked, ea.matches, ea.sample) == \
                (eb.count, eb.first, eb.last, eb.parked, eb.matches, eb.sample)


def test_service_tasks_drop_counts_older_than_findtime(root_dir, clock):
    """fail2ban's service tasks (run by the loop every second, as its clean-up of the
    FailManager) drop counted addresses whose last failure is older than findtime, with
    no batch coming (a flood that stopped)."""
    t = 1.7e9
    clock(t)
    j = make_jail("sweep", "f2btune", root_dir, 'f2btune-synflood[logprefix="f2b-syn: "]', 10, "30")
    lines, _ = flood_lines(60, sources=20, seed=4, noise=0, ipv6=0, now=t)
    j.filter.process_raw_lines([x.encode() for x in lines])
    assert len(j.filter._pending) > 0
    clock(t + 31)
    j.filter.performSvc()
    assert len(j.filter._pending) == 0 and j.filter.stats["pending"] == 0
