import pytest

from f2btune.fleet.godur import format_seconds, parse


@pytest.mark.parametrize("text,seconds", [
    ("600s", 600), ("4h", 14400), ("3h59m58.5s", 14398.5), ("8759h59m59.313068891s", 8760 * 3600 - 0.686931109),
    ("-1.003979464s", -1.003979464), ("1m30s", 90), ("250ms", 0.25), ("0", 0), ("2d", 172800),
    ("1.5\u00b5s", 1.5e-6)])
def test_parse(text, seconds):
    assert parse(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "4", "h", "4x", "1h 2m", "forever", "--3s"])
def test_parse_rejects(text):
    with pytest.raises(ValueError):
        parse(text)


def test_format_is_parsed_back():
    for s in (0.2, 1, 599.6, 31536000):
        assert parse(format_seconds(s)) == max(1, round(s))
