"""The address's structural position, and the lines where user text carries it."""
from f2btune.suggest.locate import addresses_in, locate


def at(text, host, hints=()):
    where = locate(text, host, hints)
    return where.injection or text[where.start:where.end]


def test_field_forms():
    assert at("login rejected src=[2001:db8::1]:20907 reason=x", "2001:db8::1") == "[2001:db8::1]"
    assert at("LOGIN FAILED, user=a@b, ip=[::ffff:1.2.3.4]", "1.2.3.4") == "[::ffff:1.2.3.4]"
    assert at('{"remoteAddr":"203.0.113.9","message":"Login failed: bob (Remote IP: 203.0.113.9)"}',
              "203.0.113.9") == "203.0.113.9"
    assert at("msg='op=PAM acct=\"?\" addr=192.0.2.5 res=failed'", "192.0.2.5") == "192.0.2.5"


def test_user_text_is_an_injection():
    assert "quoted" in at('account="x src=192.0.2.44:22 y" src=203.0.113.7:5123', "192.0.2.44")
    assert "user-name position" in at("Invalid user 192.0.2.44 from 203.0.113.7 port 22", "192.0.2.44")
    assert "same position" in at("attempt for x from 192.0.2.44:22: y from 203.0.113.7:5: no", "192.0.2.44")
    assert "quoted" in at('message="Login failed: x (Remote IP: 192.0.2.44)"', "192.0.2.44")


def test_repeated_address_takes_the_hinted_spot():
    line = "authentication from 198.51.100.11 (198.51.100.11). Requested URL: '/'"
    where = locate(line, "198.51.100.11", hints=[" ("])
    assert line[where.start - 1] == "("


def test_addresses_in_ignores_ports_and_words():
    found = [str(ip) for _, _, ip in addresses_in("a 1.2.3.4:80, [2001:db8::2]:22 v1.2.3.4 ab:cd")]
    assert found == ["1.2.3.4", "2001:db8::2"]
