"""The backend's cheap reading of the jail's ignore rules, on a real fail2ban Jail."""
import pytest

from f2btune.backend.register import register


@pytest.fixture(scope="module", autouse=True)
def registered():
    register()


def make_filter():
    from fail2ban.server.jail import Jail
    flt = Jail("ignored", backend="f2btune").filter
    flt.ignoreSelf = False
    return flt


def test_plain_rules_are_read_and_a_setter_is_seen_at_the_next_batch():
    flt = make_filter()
    flt.addIgnoreIP("192.0.2.0/24")
    kept = flt._kept
    kept.refresh()
    assert not kept.kept("192.0.2.7") and kept.kept("198.51.100.7") and kept.kept("2001:db8::1")
    flt.addIgnoreIP("198.51.100.0/24")           # answers of the old reading are dropped
    kept.refresh()
    assert not kept.kept("198.51.100.7")
    flt.delIgnoreIP("192.0.2.0/24")
    kept.refresh()
    assert kept.kept("192.0.2.7")


def test_doubt_leaves_the_address_to_fail2ban():
    flt = make_filter()
    flt.addIgnoreIP("192.0.2.1")
    flt.ignoreCommand = "/bin/true"              # only fail2ban can run it
    flt._kept.changed()
    flt._kept.refresh()
    assert not flt._kept.kept("198.51.100.7")
    assert not make_filter()._kept.kept("not an address")
