"""Building regexes: header, field classes, minimal set, injection lines set aside."""
import pytest

from f2btune.suggest.build import NoAnchor, Positive, build_regexes, lit


def pos(lines_hosts):
    return [Positive(i, l, l, h) for i, (l, h) in enumerate(lines_hosts)]


def test_syslog_header_and_generalised_user():
    s = build_regexes(pos([
        (" pi sshd[11]: Invalid user admin from 192.0.2.1 port 40000", "192.0.2.1"),
        (" pi sshd[12]: Invalid user oracle from 192.0.2.2 port 40001", "192.0.2.2"),
        (" pi sshd[13]: Invalid user test from 2001:db8::3 port 40002", "2001:db8::3"),
    ]), tails="full")
    assert s.head == r"^\s*\S+ sshd\[\d+\]:\s"
    assert s.failregex == [r"^Invalid user \S+ from <ADDR> port \d+\s*$"]
    assert s.prefregex.endswith("<F-CONTENT>.+</F-CONTENT>$")


def test_one_regex_for_every_user_name_and_constant_user_reported():
    """Literal user names never become regexes of their own; a user the sample never varied
    ("root" after "for") is a field all the same, and reported."""
    lines = [(" pi sshd[%d]: Invalid user %s from 192.0.2.%d port 22" % (i, u, i), "192.0.2.%d" % i)
             for i, u in enumerate(["zxin10", "r00t", "tech5i", "admin", "oracle", "a.b-c", "x_y"])]
    lines += [(" pi sshd[%d]: Failed password for root from 198.51.100.%d port 22 ssh2" % (i, i),
               "198.51.100.%d" % i) for i in range(3)]
    s = build_regexes(pos(lines), tails="full")
    assert len(s.failregex) == 2
    assert r"for \S+ from <ADDR>" in s.failregex[1]
    assert "root" in s.constant_fields


def test_address_forms_share_one_regex():
    s = build_regexes(pos([
        (" h vaultd[1]: login rejected for account=\"bob\" src=203.0.113.9:20907 reason=bad", "203.0.113.9"),
        (" h vaultd[1]: login rejected for account=\"eve\" src=[2001:db8::1]:20908 reason=bad", "2001:db8::1"),
        (" h vaultd[1]: login rejected for account=\"al\" src=203.0.113.7:20909 reason=bad", "203.0.113.7"),
    ]), tails="full")
    assert len(s.failregex) == 1
    assert r'account="[^"\\]*(?:\\.[^"\\]*)*" src=<ADDR>:\d+' in s.failregex[0]
    assert r"\[<ADDR>" not in s.failregex[0]


def test_quoted_injection_is_not_learnt():
    lines = [(" h vaultd[1]: login rejected for account=\"u%d\" src=203.0.113.%d:5000" % (i, i),
              "203.0.113.%d" % i) for i in range(5)]
    lines.append((" h vaultd[1]: login rejected for account=\"x src=192.0.2.44:22 y\" src=203.0.113.7:5123",
                  "192.0.2.44"))
    s = build_regexes(pos(lines), tails="full")
    assert len(s.failregex) == 1 and len(s.injections) == 1
    assert "quoted" in s.injections[0].injection


def test_too_small():
    with pytest.raises(NoAnchor, match="too small"):
        build_regexes(pos([(" pi sshd[1]: Invalid user a from 192.0.2.1", "192.0.2.1")] * 5))


def test_literals_are_escaped_and_tag_safe():
    assert lit("a.b <HOST>") == r"a\.b [<]HOST[>]"
