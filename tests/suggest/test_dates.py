"""Date detection picks the cheapest explicit pattern that reproduces fail2ban's time stamps."""
from f2btune.suggest import dates


def test_rfc3164():
    c = dates.detect(["Aug 14 11:59:01 pi sshd[1]: x", "Aug  4 01:02:03 pi sshd[1]: y"])
    assert c.patterns == ["^%b %d %H:%M:%S"]


def test_rfc3339_and_mixed():
    iso = "2025-01-23T12:22:21.537693-05:00 pi kernel: x"
    assert dates.detect([iso]).patterns == [r"^%Y-%m-%dT%H:%M:%S(?:\.%f)?%z"]
    mixed = dates.detect([iso, "Aug 14 11:59:01 pi kernel: y"])
    assert sorted(mixed.patterns) == sorted(["^%b %d %H:%M:%S", r"^%Y-%m-%dT%H:%M:%S(?:\.%f)?%z"])


def test_apache_and_clf():
    c = dates.detect(["[Wed Jul 17 23:14:37 2013] [error] [client 192.0.2.1] user x not found: /"])
    assert c.name == "Apache error log"
    c = dates.detect(['192.0.2.1 - - [14/Aug/2005:11:59:01 +0200] "GET / HTTP/1.1" 404 1'])
    assert "Common Log Format" in c.name
    t, text = dates.split(c.detector(), '192.0.2.1 - - [14/Aug/2005:11:59:01 +0200] "GET / HTTP/1.1" 404 1')
    assert t is not None and text.startswith("192.0.2.1 - - []")


def test_no_date():
    c = dates.detect(["srv sshd[1]: Invalid user x from 192.0.2.1"])
    assert c.patterns == [dates.NONE]
