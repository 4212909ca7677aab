"""Field classes: the narrowest regex for the values one position took."""
from f2btune.suggest.tokens import column, tokenise


def col(values, prev="", follow="", strict=0):
    return column([tokenise(v)[0] for v in values], prev, follow, strict)


def test_classes():
    assert col(["12", "345"]) == (r"\d+", False)
    assert col([":20907", ":1"]) == (r":\d+", False)
    assert col(["alice", "bob"], follow=")")[0] == r"[^\s\)]+"
    assert col(['"alice"', '"x y"'])[0] == r'"[^"\\]*(?:\\.[^"\\]*)*"'
    assert col(['"Login failed: a"', '"Login failed: b c"'])[0].startswith('"Login failed: ')
    assert col(["key=1", "key=22"])[0] == r"key=\d+"


def test_constant_value_positions_are_fields_and_reported():
    assert col(["root", "root"], prev="for") == (r"\S+", True)
    assert col(["uname=", "uname="]) == (r"uname=\S*", True)
    assert col(['account="root"'] * 2)[1] is True
    assert col(["root", "root"], prev="for", strict=3) == ("root", False)
    assert col(["Failed", "Failed"], prev="x") == ("Failed", False)
    assert col(['"reqId"'] * 2, follow=":") == ('"reqId"', False)
