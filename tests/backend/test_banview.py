"""Who is banned, in one process with fail2ban's time driven: the ban list, expiry, unbans."""
import pytest

from f2btune.backend.register import register
from f2btune.f2b import apply_filter_commands, filter_commands

from tests.backend.conftest import counts, flood_lines


@pytest.fixture(scope="module", autouse=True)
def registered():
    register()


@pytest.fixture
def clock():
    """fail2ban's clock, driven by the test (MyTime.setTime), restored afterwards."""
    import time
    from fail2ban.server.mytime import MyTime
    now = [time.time()]

    def advance(seconds):
        now[0] += seconds
        MyTime.setTime(now[0])
    MyTime.setTime(now[0])
    yield advance
    MyTime.setTime(None)


def make_jail(root_dir, promptban):
    from fail2ban.server.jail import Jail
    j = Jail("bv%d" % promptban, backend="f2btune")
    flt = j.filter
    apply_filter_commands(flt, filter_commands(root_dir + "/filter.d/f2btune-synflood.conf"))
    flt.setMaxRetry(3)
    flt.setFindTime(600)
    flt.setUseDns("no")
    flt.inOperation = True
    flt.options.promptban = promptban
    j.actions.setBanTime(10)
    return j


def one_source(n):
    from fail2ban.server.mytime import MyTime
    lines, srcs = flood_lines(n, sources=1, seed=8, noise=0, ipv6=0, now=MyTime.time())
    return [x.encode() for x in lines], srcs[0]


def failing(jail, ip):
    return counts(jail.filter)[1].get(ip, 0)


def test_expired_unbanned_and_flushed_addresses_count_again(root_dir, clock):
    from fail2ban.server.banmanager import BanTicket
    j = make_jail(root_dir, promptban=False)
    flt, bm = j.filter, j.actions.banManager
    lines, ip = one_source(40)
    flt.process_raw_lines(lines[:3])
    assert flt.bans.is_banned(ip)                 # queued: its next lines are skipped
    flt.process_raw_lines(lines[3:5])
    assert flt.stats["banned_skipped"] == 2
    bm.addBanTicket(BanTicket.wrap(j.getFailTicket()))   # what the actions thread does
    flt.process_raw_lines(lines[5:7])
    assert flt.stats["banned_skipped"] == 4 and not flt.bans.queued
    clock(11)                                     # the ban has ended; the ticket is still listed
    assert bm.size() == 1
    flt.process_raw_lines(lines[7:9])
    assert flt.stats["banned_skipped"] == 4 and failing(j, ip) == 2
    j.getFailTicket()
    clock(-11)                                    # listed and running again ...
    flt.process_raw_lines(lines[9:10])
    assert flt.stats["banned_skipped"] == 5
    bm.getTicketByID(ip)                          # ... until `fail2ban-client unban IP`
    flt.process_raw_lines(lines[10:11])
    assert flt.stats["banned_skipped"] == 5
    ticket = j.getFailTicket()
    assert ticket and str(ticket.getID()) == ip   # counted again: 3rd failure, banned again
    bm.addBanTicket(BanTicket.wrap(ticket))
    flt.process_raw_lines(lines[11:12])
    assert flt.stats["banned_skipped"] == 6
    bm.flushBanList()                             # `fail2ban-client unban --all`
    flt.process_raw_lines(lines[12:14])
    assert flt.stats["banned_skipped"] == 6 and failing(j, ip) == 2


def test_prompt_ban_lifts_an_ended_ban_before_banning_again(root_dir, clock):
    j = make_jail(root_dir, promptban=True)
    flt, bm = j.filter, j.actions.banManager
    lines, ip = one_source(20)
    flt.process_raw_lines(lines[:3])
    assert bm.size() == 1 and bm.getBanTotal() == 1
    first = bm._BanManager__banList[ip].getTime()
    clock(11)                                     # ended; the actions thread has not woken yet
    lines, _ = one_source(3)                      # stamped now
    flt.process_raw_lines(lines)
    assert bm.getBanTotal() == 2 and bm.size() == 1   # a new ban, not a prolonged stale one
    assert bm._BanManager__banList[ip].getTime() >= first + 11
    assert flt.stats["bans"] == 2 and flt.stats["prompt_bans"] == 2
