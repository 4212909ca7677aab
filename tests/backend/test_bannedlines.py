"""Lines that name nothing but a banned address are dropped before fail2ban's processLine,
and only those: a real Jail with f2btune-sshd (prefregex, multi-line ids), a real ban list."""
import os

import pytest

from f2btune.backend.bannedlines import derive
from f2btune.backend.register import register
from f2btune.flood import stamp_3164
from tests.backend.test_pending import banned_now, make_jail

T0 = 1.7e9
BANNED, OTHER, BANNED6 = "203.0.113.7", "192.0.2.44", "2001:db8::7"


@pytest.fixture
def sshd(root_dir):
    register()
    from fail2ban.server.banmanager import BanTicket
    from fail2ban.server.mytime import MyTime
    from fail2ban.server.ticket import FailTicket
    MyTime.setTime(T0)
    spec = os.path.join(root_dir, "filter.d", "f2btune-sshd.conf")
    j = make_jail("bl-sshd", "f2btune", root_dir, spec, 3, "600")
    for ip in (BANNED, BANNED6):
        j.actions.banManager.addBanTicket(BanTicket.wrap(FailTicket(ip, T0)))
    yield j
    MyTime.setTime(None)


def feed(j, *messages):
    """Each message as a line of sshd[pid]; returns the filter's stats afterwards."""
    stamp = stamp_3164(T0)
    j.filter.process_raw_lines([("%s host sshd[%d]: %s" % (stamp, 100 + i, m)).encode()
                                for i, m in enumerate(messages)])
    return j.filter.stats


def test_derived_from_the_regexes_and_refused_where_unsafe():
    keep = derive([r"^Failed \S+ for (?P<user>\S+) from (?P<ip4>[\d.]+)",
                   r"^(?P<nofail>Connection (?:closed|reset)) by (?P<ip4>[\d.]+)",
                   r"^Disconnecting: Too many authentication failures",
                   r"^(?:Lost|Gone)(?: from (?P<ip4>[\d.]+))?"], None, 1).keep
    assert set(keep) == {"Lost", "Gone", "Disconnecting: Too many authentication failures"}
    assert derive([r"^Failed for (?P<fid>\S+)"], None, 1) is None          # the id is no address
    assert derive([r"^Failed from (?P<ip4>[\d.]+)"], None, 2) is None       # maxlines > 1
    assert derive([r"^x(?: from (?P<ip4>[\d.]+))?"], None, 1) is None      # optional, no literal
    ok = [r"^Failed from (?P<ip4>[\d.]+)"]
    assert derive(ok, r"^\S+ (?P<content>.+)$", 1) is not None
    assert derive(ok, r"^(?P<fid>\S+) (?P<content>.+)$", 1) is None         # the id is no address
    assert derive(ok, r"^(unclosed", 1) is None                              # unreadable


def test_the_sshd_filter_keeps_its_lines_without_an_address(sshd):
    sshd.filter._anchor_check()
    assert "Disconnecting: Too many authentication failures" in sshd.filter._banned_lines.keep


def test_address_tokens():
    from f2btune.backend.bannedlines import _addresses
    assert _addresses("from 203.0.113.7 port 22:11: Bye Bye") == ["203.0.113.7"]
    assert _addresses("from 2001:db8::7 port 22") == ["2001:db8::7"]
    assert sorted(_addresses("user fe80:: x ::ffff:192.0.2.1")) == \
        ["192.0.2.1", "::ffff:192.0.2.1", "fe80::"]                       # mapped: two tokens
    assert _addresses("at 10:51:23 from [2001:db8::1]:22") == ["10:51:23", "2001:db8::1"]
    assert _addresses("x%s1.2.3.4" % ("ab" * 40000)) == ["1.2.3.4"]        # inside a long run


def test_a_banned_address_alone_is_dropped(sshd):
    st = feed(sshd, "Failed password for root from %s port 22 ssh2" % BANNED,
              "Invalid user admin from %s port 22" % BANNED,
              "Failed password for root from %s port 22 ssh2" % BANNED6)
    assert st["banned_dropped"] == 3 and st["errors"] == 0


def test_a_banned_address_in_attacker_text_hides_no_failure(sshd):
    """A user name holding the banned address: the line names two addresses (processLine
    runs, the other address is counted); a line without its own address keeps its literal."""
    st = feed(sshd, "Failed password for invalid user %s from %s port 22 ssh2" % (BANNED, OTHER),
              "Invalid user %s from %s port 22" % (BANNED, OTHER),
              "Failed password for invalid user %s from %s port 22 ssh2" % (BANNED, OTHER))
    assert st["banned_dropped"] == 0
    assert banned_now(sshd) == {OTHER}


def test_a_line_without_its_address_always_reaches_processline(sshd):
    """A connection's later line found by its id ("Too many authentication failures" with
    the user name alone) holding a banned address as the user name is not dropped; the
    banned address's own successes and disconnects are."""
    st = feed(sshd, "Disconnecting: Too many authentication failures for %s [preauth]" % BANNED)
    assert st["banned_dropped"] == 0
    st = feed(sshd, "Accepted password for bob from %s port 22 ssh2" % BANNED,
              "Connection closed by %s port 22 [preauth]" % BANNED,
              "Received disconnect from %s port 22:11: Bye Bye [preauth]" % BANNED)
    assert st["banned_dropped"] == 3


def test_off_while_an_action_weighs_failures_per_account(sshd):
    sshd.filter.f2bt_split_accounts = lambda fid: False
    st = feed(sshd, "Failed password for root from %s port 22 ssh2" % BANNED)
    assert st["banned_dropped"] == 0


def test_nothing_dropped_for_an_address_not_banned(sshd):
    st = feed(sshd, *["Failed password for root from %s port 22 ssh2" % OTHER] * 3)
    assert st["banned_dropped"] == 0 and banned_now(sshd) == {OTHER}
