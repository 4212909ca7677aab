"""benchmarks/corpus_services.py on the real captures: f2btune's service filters report the same
addresses as the stock ones, except the documented kinds (rsyslog folds, sshd-session)."""

from tests.benchmarks.scripts import load, run_rows


def test_corpus_services(corpus_dir):
    rows = run_rows("corpus_services", corpus_dir)
    by_file = {r["file"]: r for r in rows}
    assert sum(r["stock"] for r in rows) > 35000
    # the folded rotation: stock's lines plus one per fold; with N per fold, the unfolded truth
    ph = by_file.get("phoenix-aws/auth.log.4")
    if ph is not None:
        assert ph["folded"] > 8000 and ph["fold_attempts"] > ph["folded"]
        assert ph["f2btune"] == ph["stock"] + ph["folded"]
        assert ph["stock_on_unfolded"] == ph["unfolded_truth"] == ph["stock"] + ph["fold_attempts"]
        assert ph["per_address_equal"]
    # files without folds or sshd-session lines agree line for line
    for r in rows:
        if not r["folded"] and not r["sshd_session"]:
            assert r["f2btune"] == r["stock"], r["file"]


def test_reference_parse_is_independent():
    cs = load("corpus_services")
    line = "Mar 20 06:25:06 web sshd[2214]: message repeated 4 times: [ Failed password for root from 192.0.2.1 port 5555 ssh2]"
    assert cs.fold(line) == (4, "192.0.2.1")
    assert cs.fold(line[:-1]) is None
    assert cs.fold(line.replace("4 times", "x times")) is None
    assert cs.fold(line.replace("message repeated", "Failed password")) is None
    assert cs.unfold([line]) == ["Mar 20 06:25:06 web sshd[2214]: Failed password for root from 192.0.2.1 "
                                 "port 5555 ssh2"] * 4
    assert cs.session_tag("Feb 12 14:10:24 h sshd-session[1]: Invalid user x from 192.0.2.7 port 1") == "192.0.2.7"
    assert cs.session_tag("Feb 12 14:10:24 h sshd[1]: Invalid user x from 192.0.2.7 port 1") is None
    assert cs.per_address([("a", "3"), ("a", ""), None], weighted=True) == {"a": 4}
