"""Regex helpers of the regex checks: anchoring and catch-all detection."""
import pytest

from f2btune.check.regex import anchored, catchalls, end_anchored, host_position


@pytest.mark.parametrize("regex, expected", [
    ("^foo <ADDR>", True), ("(?i)^foo", True), ("\\Afoo", True), ("  ^foo", True),
    ("foo ^<ADDR>", False), ("kernel:.*?SRC=<HOST>", False), ("(?:^a|b)", False),
])
def test_anchored(regex, expected):
    assert anchored(regex) is expected


@pytest.mark.parametrize("regex, expected", [
    ("^a.*b", [2]), ("^a.+?b", [2]), ("^a\\.*b", []), ("^a[.*]b", []), ("^a[]x.*]b", []),
    ("^a\\\\.*b", [4]), ("^(?:(?! from ).)*?<HOST>", []), ("kernel:.*?SRC=<HOST> DST.*?SYN", [7, 24]),
])
def test_catchalls(regex, expected):
    assert catchalls(regex) == expected


def test_end_anchor_and_host():
    assert end_anchored("^a <ADDR>\\s*$") and not end_anchored("^a \\$") and not end_anchored("^a <ADDR>")
    assert host_position("x <F-ID>y</F-ID> <HOST>") == 2 and host_position("no tag") == -1
