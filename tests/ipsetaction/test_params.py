"""f2btune.ipsetaction.params: remaining-time arithmetic and parameter checks (no kernel)."""
import pytest

from f2btune.ipsetaction.params import Params, kernel_timeout, set_names


def test_kernel_timeout_is_the_remaining_time():
    assert kernel_timeout(1000, 600, 1000) == 600            # fresh ban: the full bantime
    assert kernel_timeout(1000, 600, 1400) == 200            # restored 400 s later: what remains
    assert kernel_timeout(1000, 600, 1399.5) == 201          # rounded up: the kernel never unbans early
    assert kernel_timeout(1000, 600, 1600) is None           # over
    assert kernel_timeout(1000, 600, 2000) is None
    assert kernel_timeout(1000, -1, 10 ** 9) == 0            # permanent: no timeout
    assert kernel_timeout(1000, 10 ** 9, 1000) == 2147483    # capped at ipset's maximum
    assert kernel_timeout(1000, 2147483 + 5, 1004) == 2147483
    assert kernel_timeout(1000, 2147483 + 5, 1006) == 2147482
    assert kernel_timeout(1000, 100, 1000, cap=30) == 30     # a smaller cap (re-armed by the checker)


def test_defaults_and_set_names():
    p = Params("sshd", {})
    assert p.sets == {4: "f2bt-sshd", 6: "f2bt6-sshd"}
    assert (p.protocol, p.chain, p.blocktype, p.maxelem, p.checkinterval) == ("tcp", "INPUT", "DROP", 65536, 30.0)
    assert Params("sshd", {"name": "x", "checkinterval": "0.5"}).sets[4] == "f2bt-x"
    assert Params.ignored({"port": "22", "actname": "y"}) == ["actname"]
    assert set_names("a" * 25) == ("f2bt-" + "a" * 25, "f2bt6-" + "a" * 25)


@pytest.mark.parametrize("opts, message", [
    ({"refresh": "maybe"}, "refresh must be true or false"),
    ({"maxelem": "lots"}, "maxelem must be an integer"),
    ({"maxelem": "0"}, "maxelem must be between"),
    ({"refreshtime": "3000000"}, "refreshtime must be between"),
    ({"checkinterval": "soon"}, "checkinterval must be a number"),
    ({"checkinterval": "0"}, "checkinterval must be between"),
    ({"protocol": "icmp"}, "protocol must be"),
    ({"name": "a-name-that-is-much-too-long-for-ipset"}, "too long"),
    ({"name": "two words"}, "bad name"),
    ({"chain": "IN PUT"}, "bad chain"),
    ({"chain": "<known/chain>"}, "bad chain"),
    ({"port": "22;reboot"}, "bad port"),
    ({"blocktype": " "}, "blocktype must not be empty"),
])
def test_bad_parameters_are_refused_with_a_clear_message(opts, message):
    with pytest.raises(ValueError, match=message):
        Params("jail", opts)
