"""End to end: SYNs forged with a bystander's address, and a real connection flood, in both modes.

``syn`` (f2btune rules + f2btune-synflood): the forged SYNs get the bystander banned -- the risk
docs/spoofing.md describes.  ``verified`` (f2btune rules --verified + f2btune-synflood-verified): the
bystander is never logged nor banned, whatever it is sent (SYNs, blind ACKs after them); the real
connection flood is banned in both modes.
"""
import ipaddress

from f2btune import netns
from tests.e2e.conftest import ATTACKER4, ATTACKER6, BYSTANDER4, BYSTANDER6, PORT, VICTIM4, VICTIM6


def _all_in(lab, addrs):
    banned = lab.banned()
    return banned if all(a in banned for a in addrs) else None


def test_forged_sources_are_banned_only_without_verification(served_lab):
    lab = served_lab
    lab.start()
    # the service answers, so handshakes complete (IPv6 may need a moment on a fresh veth pair)
    for dst, src in ((VICTIM4, ATTACKER4), (VICTIM6, ATTACKER6)):
        lab.wait(lambda: lab.probe(dst, src) == "open", 30, "a connection to %s" % dst)

    # 1. SYNs carrying the bystander's address, each followed by the ACK a blind spoofer can send
    before = netns.tcp_in_segs(lab.victim.name)
    for dst, bystander in ((VICTIM4, BYSTANDER4), (VICTIM6, BYSTANDER6)):
        netns.send_spoofed(lab.attacker.name, dst, PORT, bystander, 25)
    if lab.mode == "verified":     # nothing is dropped in this mode: every forged packet reached TCP
        assert netns.tcp_in_segs(lab.victim.name) - before >= 100, "the forged packets never reached TCP"
    else:
        lab.wait(lambda: _all_in(lab, (BYSTANDER4, BYSTANDER6)), 30,
                 "the bystander banned through forged SYNs\n--- kern.log:\n%s" % lab.tail(lab.kernlog, 5))
        assert BYSTANDER4 in lab.kernel(4)

    # 2. a real connection flood from the attacker: banned in both modes
    lab.flood(VICTIM4, ATTACKER4)
    lab.flood(VICTIM6, ATTACKER6)
    banned = lab.wait(lambda: _all_in(lab, (ATTACKER4, ATTACKER6)), 30,
                      "the attacker banned\n--- kern.log:\n%s\n--- fail2ban.log:\n%s"
                      % (lab.tail(lab.kernlog, 5), lab.tail(lab.f2blog)))
    assert ATTACKER4 in lab.kernel(4) and lab.probe(VICTIM4, ATTACKER4) == "dropped"
    if lab.mode != "verified":
        return

    # the forged packets came first, through the same log: had any been logged, fail2ban had read it
    assert BYSTANDER4 not in banned and BYSTANDER6 not in banned
    assert BYSTANDER4 not in lab.kernel(4)
    with open(lab.kernlog) as f:
        log = f.read()
    for addr in (BYSTANDER4, ipaddress.ip_address(BYSTANDER6).exploded):
        assert "SRC=%s " % addr not in log, "a forged source reached the log"
    lines = [l for l in log.splitlines() if "SRC=%s " % ATTACKER4 in l]
    assert lines and all(" f2b-ver: " in l and " ACK URGP=" in l for l in lines), lines[:3]
