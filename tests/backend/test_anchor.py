"""The literal anchor and the address locator, read from fail2ban's own compiled regexes."""
from f2btune.backend import anchor
from f2btune.f2b import make_filter

SEED = "kernel:.*?SRC=(?:::f{4,6}:)?<HOST> DST.*?SYN"


def test_synflood_filter_anchor_holds_its_prefix(root_dir):
    flt = make_filter(root_dir + "/filter.d/f2btune-synflood.conf")
    sets = anchor.filter_anchors(flt.getFailRegex())
    assert len(sets) == 1 and b"f2b-syn:" in sets[0]
    assert len(sets[0]) <= anchor.MAX_LITERALS


def test_every_matching_line_passes_and_foreign_lines_fail(root_dir):
    from f2btune.flood import iter_lines
    flt = make_filter(root_dir + "/filter.d/f2btune-synflood.conf")
    test = anchor.make_test(anchor.filter_anchors(flt.getFailRegex()))
    matched = dropped = 0
    for rec in iter_lines(3000, sources=50, seed=5):
        hit = bool(flt.processLine(rec.text))
        passes = test(rec.text.encode())
        assert passes or not hit, rec.text          # the anchor never drops a failure
        matched += hit
        dropped += not passes
    assert matched > 2000 and dropped > 100


def test_seed_regex_and_explicit_anchor():
    flt = make_filter(failregex=SEED)
    assert anchor.filter_anchors(flt.getFailRegex()) == [(b"kernel:", b"SRC=", b" DST")]
    assert anchor.explicit_anchor('"f2b-syn: "') == [(b"f2b-syn: ",)]
    assert anchor.explicit_anchor("") is None


def test_no_anchor_when_a_regex_has_no_required_literal():
    # an alternative at the top level: nothing is required by every match
    assert anchor.required_literals(r"^(?:foo|bar) <HOST>") == []
    assert anchor.filter_anchors([r"^(?:foo|bar) (?P<ip4>\S+)", r"^login failed from (?P<ip4>\S+)"]) is None
    assert anchor.required_literals(r"(?i)login failed") == []
    assert anchor.filter_anchors(["abc (?P<ip4>x)"], encoding="utf-16") is None


def test_address_locator(root_dir):
    flt = make_filter(root_dir + "/filter.d/f2btune-synflood.conf")
    assert [anchor.address_locator(r) for r in flt.getFailRegex()] == ["SRC="]
    # an optional group between the literal and the address: no locator
    assert anchor.address_locator(make_filter(failregex=SEED).getFailRegex()[0]) is None


def test_literals_any_match_holds_and_required_addresses():
    from f2btune.backend.anchor import address_required, any_literals
    closed = r"^(?P<nofail>(Connection (?:closed|reset)|Disconnected)) (?:by|from)"
    assert any_literals(closed) == ["Connection ", "Disconnected"]
    assert any_literals(r"^Failed (?:(?P<nofail>publickey)|\S+) for", "nofail") == ["publickey"]
    assert any_literals(r"^Failed (?:(?P<nofail>publickey)|\S+) for") == ["Failed "]
    assert any_literals(r"(?i)^failed from") == [] and any_literals(r"^(?:a|bb) x") == []
    assert address_required(r"from (?:(?P<ip4>[\d.]+)|(?P<ip6>[:\w]+))")
    assert not address_required(r"x(?: from (?P<ip4>[\d.]+))?")
    assert not address_required(r"(?:from (?P<ip4>[\d.]+)|gone)")
