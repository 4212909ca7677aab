"""End to end: real SYNs -> kernel rules -> LOG -> rsyslog -> fail2ban-server -> f2btune-ipset -> DROP.

Set F2BTUNE_E2E_ACTION=dummy to run the same scenario with fail2ban's dummy action: it must
fail (nothing blocks the attacker, no ipset entry), which shows the assertions test the action.
"""
import time

from tests.e2e.conftest import (ATTACKER4, ATTACKER6, BANTIME, FRIEND4, VICTIM4, VICTIM6)


def agrees(kernel_left, f2b_left, since):
    """The kernel's timeout and fail2ban's seconds left, read at different moments since
    ``since``: apart by at most the time between the reads plus whole-second rounding."""
    return abs(kernel_left - f2b_left) <= (time.time() - since) + 2.5


def test_synflood_is_banned_in_the_kernel_restored_expired_and_escalated(lab):
    lab.start()
    # baseline: the victim answers (RST from the closed port), nothing is blocked
    assert lab.probe(VICTIM4, ATTACKER4) == "refused"

    # 1. three sources flood the same port; the friend is in ignoreip
    lab.flood(VICTIM4, FRIEND4)
    lab.flood(VICTIM4, ATTACKER4)
    lab.flood(VICTIM6, ATTACKER6)
    banned = lab.wait(lambda: (lambda b: b if ATTACKER4 in b and ATTACKER6 in b else None)(lab.banned()),
                      30, "both attackers banned\n--- kern.log:\n%s\n--- fail2ban.log:\n%s"
                      % (lab.tail(lab.kernlog, 5), lab.tail(lab.f2blog)))
    assert FRIEND4 not in banned
    with open(lab.f2blog) as f:
        f2blog = f.read()
    assert "Ignore %s by ip" % FRIEND4 in f2blog, "the friend's flood never reached fail2ban"
    assert "Ban %s" % FRIEND4 not in f2blog

    # 2. the kernel holds the bans, with the timeout fail2ban has left
    read_at = time.time()
    left4 = lab.banned()[ATTACKER4]
    k4, k6 = lab.kernel(4), lab.kernel(6)
    assert ATTACKER4 in k4, "no ipset entry for %s: %r\n%s" % (ATTACKER4, k4, lab.tail(lab.f2blog))
    assert ATTACKER6 in k6
    assert FRIEND4 not in k4
    assert agrees(k4[ATTACKER4], left4, read_at), (k4, left4)
    assert 0 < k4[ATTACKER4] <= BANTIME

    # 3. its SYNs are dropped now; the ignored friend still gets an answer
    assert lab.probe(VICTIM4, ATTACKER4) == "dropped"
    assert lab.probe(VICTIM6, ATTACKER6) == "dropped"
    assert lab.probe(VICTIM4, FRIEND4) == "refused"

    # 4. restart: bans come back from the database with the REMAINING time
    lab.f2b("stop")
    assert lab.kernel(4) == {}, "stop must remove the set"
    lab.start()
    lab.wait(lambda: ATTACKER4 in lab.kernel(4), 15, "restored ban")
    read_at = time.time()
    k4, left = lab.kernel(4), lab.banned()[ATTACKER4]
    assert agrees(k4[ATTACKER4], left, read_at), (k4, left)
    assert k4[ATTACKER4] < BANTIME - 1, "restored with the full bantime instead of what remains"
    assert lab.probe(VICTIM4, ATTACKER4) == "dropped"

    # 5. the ban expires on time: fail2ban unbans, the kernel entry is gone, SYNs answered again
    lab.wait(lambda: ATTACKER4 not in lab.banned(), max(0.0, left) + 15, "unban at the end of the ban")
    assert ATTACKER4 not in lab.kernel(4)
    assert lab.probe(VICTIM4, ATTACKER4) == "refused"

    # 6. ban #2 lasts BANTIME x 10 (bantime.increment): fail2ban bans with BANTIME, its observer
    # computes the longer time and calls prolong() ~10 s later.  The ban is made with
    # `set JAIL banip` (fail2ban's own ban path): a second *flood* gets the longer time only
    # sometimes in fail2ban 1.0.2, a race between its filter and observer threads.
    banned_at = time.time()
    lab.f2b("set", "f2btune-synflood", "banip", ATTACKER4)
    lab.wait(lambda: ATTACKER4 in lab.banned(), 10, "second ban")
    lab.wait(lambda: lab.kernel(4).get(ATTACKER4, 0) > 2 * BANTIME, 25,
             "prolonged kernel timeout (bantime.increment)")
    read_at = time.time()
    k4, left = lab.kernel(4), lab.banned()[ATTACKER4]
    # the longer time counts from the ban: what has passed since is gone from it
    assert BANTIME * 10 - (time.time() - banned_at) - 2 <= k4[ATTACKER4] <= BANTIME * 10, k4
    assert agrees(k4[ATTACKER4], left, read_at), (k4, left)


def test_the_checks_catch_an_action_that_does_not_block(dummy_lab):
    """With fail2ban's dummy action fail2ban bans, but no ipset entry appears and SYNs still get
    an answer: the assertions above fail for an action that does not reach the kernel."""
    lab = dummy_lab
    lab.start()
    lab.flood(VICTIM4, ATTACKER4)
    lab.wait(lambda: ATTACKER4 in lab.banned(), 30, "fail2ban ban with the dummy action")
    assert lab.kernel(4) == {}
    assert lab.probe(VICTIM4, ATTACKER4) == "refused"
