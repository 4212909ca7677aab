"""The batch core against fail2ban's own per-line path, in one process (real Filter, Jail, FailManager)."""
import pytest

from f2btune.backend.register import register
from f2btune.f2b import apply_filter_commands, filter_commands

from tests.backend.conftest import counting, counts, flood_lines


@pytest.fixture(scope="module", autouse=True)
def registered():
    register()


def make_jail(name, backend, root_dir, ignoreip=()):
    from fail2ban.server.jail import Jail
    j = Jail(name, backend=backend)
    flt = j.filter
    apply_filter_commands(flt, filter_commands(root_dir + "/filter.d/f2btune-synflood.conf"))
    flt.setMaxRetry(3)
    flt.setFindTime(600)
    flt.setUseDns("no")
    for ip in ignoreip:
        flt.addIgnoreIP(ip)
    flt.inOperation = True
    if backend.startswith("f2btune"):
        flt.options.promptban = False   # no actions thread here: leave tickets in the jail queue
    return j


def drain(jail):
    out = []
    while True:
        t = jail.getFailTicket()
        if not t:
            return out
        out.append(t)


def outcome(jail):
    """(addresses handed to the actions for a ban, {address: failures still counting})."""
    banned = set(str(t.getID()) for t in drain(jail))
    return banned, counts(jail.filter)[1]


def test_same_bans_and_counts_as_stock_per_line(root_dir):
    lines, srcs = flood_lines(3000, sources=60, seed=11)
    counts = {}
    for s in srcs:
        if s:
            counts[s] = counts.get(s, 0) + 1
    ignored = sorted((s for s in counts if counts[s] >= 5), key=counts.get)[0]
    stock = make_jail("stock", "polling", root_dir, ignoreip=[ignored])
    ours = make_jail("ours", "f2btune", root_dir, ignoreip=[ignored])
    for line in lines:
        stock.filter.processLineAndAdd(line)
    raw = [l.encode() for l in lines]
    for i in range(0, len(raw), 137):
        ours.filter.process_raw_lines(raw[i:i + 137])
    b1, p1 = outcome(stock)
    b2, p2 = outcome(ours)
    assert b1 == b2 and len(b1) > 20
    assert ignored not in b2 and ignored not in p2
    # addresses not banned keep the same failure count (banned ones: stock keeps counting
    # lines after its ticket, ours skips them: the ban is the same)
    assert dict((k, v) for k, v in p1.items() if k not in b1) == dict((k, v) for k, v in p2.items() if k not in b2)
    st = ours.filter.stats
    assert st["anchor_dropped"] > 100 and st["ignored"] == counts[ignored]
    assert st["bans"] == len(b2)


@pytest.mark.parametrize("maxpending", ["0", "50000"])
def test_same_matches_as_stock_when_answers_are_reused(root_dir, maxpending):
    """fail2ban's processLine is asked once per address; later batches reuse its answer
    (with the backend's own counter on, it is not asked before maxretry at all).

    The failures still counting must carry the same matched lines as with stock.
    """
    lines, srcs = flood_lines(1200, sources=200, seed=5)
    stock = make_jail("stock", "polling", root_dir)
    ours = make_jail("ours", "f2btune[maxpending=%s]" % maxpending, root_dir)
    for f in (stock.filter, ours.filter):
        f.failManager.setMaxRetry(1000)        # nobody is banned: every failure keeps counting
    for line in lines:
        stock.filter.processLineAndAdd(line)
    raw = [l.encode() for l in lines]
    for i in range(0, len(raw), 97):
        ours.filter.process_raw_lines(raw[i:i + 97])

    assert counting(stock.filter) == counting(ours.filter) and len(counting(ours.filter)) > 100
    st = ours.filter.stats
    if maxpending == "0":
        assert st["found_cached"] > 100 and st["parked"] == 0
    else:                                      # IPv4 sources never reach processLine
        assert st["parked"] > 1000 and st["handoffs"] == 0


def test_malformed_bytes_are_counted_not_fatal(root_dir):
    ours = make_jail("mal", "f2btune", root_dir)
    good, srcs = flood_lines(40, sources=1, seed=2, noise=0, ipv6=0)
    bad_utf8 = good[0].replace("IN=eth0", "IN=eth\xff0").encode("latin-1")
    nul = good[1].encode().replace(b"PROTO", b"\0PROTO")
    huge = b"f2b-syn: " + b"A" * (1 << 20)
    ours.filter.process_raw_lines([bad_utf8, nul, huge] + [l.encode() for l in good[2:5]])
    st = ours.filter.stats
    assert st["undecodable"] == 1 and st["nul_lines"] == 1 and st["errors"] == 0
    assert [str(t.getID()) for t in drain(ours)] == [srcs[0]]


def test_unknown_backend_option_is_refused():
    from fail2ban.server.jail import Jail
    with pytest.raises(ValueError, match="unknown option.*bogus"):
        Jail("opt", backend="f2btune[bogus=1]")
    with pytest.raises(ValueError, match="maxdelay"):
        Jail("opt2", backend="f2btune[maxdelay=abc]")
    j = Jail("opt3", backend='f2btune[anchor="f2b-syn: ", maxdelay=5ms]')
    assert j.filter.maxdelay == 0.005


def test_explicit_anchor_replaces_the_derived_one(root_dir):
    from fail2ban.server.jail import Jail
    j = Jail("anc", backend='f2btune[anchor="f2b-syn: "]')
    apply_filter_commands(j.filter, filter_commands(root_dir + "/filter.d/f2btune-synflood.conf"))
    j.filter._refresh_anchor()
    assert j.filter.anchor_sets == [(b"f2b-syn:",)]   # fail2ban strips the value
