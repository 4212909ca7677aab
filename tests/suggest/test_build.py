"""Template building: anchors, generalisation, 'too small' and 'too varied'."""
import pytest

from f2btune.suggest.build import NoAnchor, Positive, gen_token, lit, suggest


def pos(lines_hosts):
    return [Positive(i, l, l, h) for i, (l, h) in enumerate(lines_hosts)]


def test_syslog_header_and_generalised_user():
    s = suggest(pos([
        (" pi sshd[11]: Invalid user admin from 192.0.2.1 port 40000", "192.0.2.1"),
        (" pi sshd[12]: Invalid user oracle from 192.0.2.2 port 40001", "192.0.2.2"),
        (" pi sshd[13]: Invalid user test from 2001:db8::3 port 40002", "2001:db8::3"),
    ]), tails="full")
    assert s.head == r"^\s*\S+ sshd\[\d+\]:\s"
    assert s.failregex == [r"^Invalid user \S+ from <ADDR> port \d+\s*$"]
    assert s.prefregex.endswith("<F-CONTENT>.+</F-CONTENT>$")


def test_host_names_use_host_tag():
    s = suggest(pos([(" pi x[1]: bad login from a.example.com", "a.example.com"),
                     (" pi x[2]: bad login from b.example.org", "b.example.org")]))
    assert "<HOST>" in s.failregex[0]


def test_too_small():
    with pytest.raises(NoAnchor, match="too small"):
        suggest(pos([(" pi sshd[1]: Invalid user a from 192.0.2.1", "192.0.2.1")] * 5))


def test_too_varied():
    lines = [(" pi app[1]: %s happened to client 192.0.2.%d" % ("x" * (i + 1), i), "192.0.2.%d" % i)
             for i in range(60)]
    with pytest.raises(NoAnchor, match="too varied"):
        suggest(pos(lines))


def test_literals_are_escaped_and_tag_safe():
    assert lit("a.b <HOST>") == r"a\.b\ [<]HOST[>]" or lit("a.b <HOST>") == r"a\.b [<]HOST[>]"
    assert gen_token("SRC=1.2.3.4")[0] == r"SRC=\S*"
    assert gen_token("12345")[0] == r"\d+"
