"""benchmarks/corpus_synflood.py on the real captures: every SYN line, only those, right address."""
import os

from tests.benchmarks.scripts import load, run_rows


def test_corpus_synflood(corpus_dir):
    rows = run_rows("corpus_synflood", corpus_dir)
    # the captures that matter are there and were actually checked
    by_file = {}
    for r in rows:
        by_file.setdefault(r["file"].split("/")[0], []).append(r)
    for d in ("psad", "rafmio-ufw", "denarzan-gw", "dunneja-azure", "teliten-vultr"):
        assert d in by_file, d
    assert sum(r["matched"] for r in rows) > 40000
    # Azure capture: only SYN-ACK backscatter, nothing may match
    assert sum(r["matched"] for r in by_file["dunneja-azure"]) == 0
    # zero-address capture never matches
    assert all(r["matched"] == 0 for r in rows if r["file"].endswith("zeroip.log"))
    # the host's own outbound SYNs (IN= empty: UFW's and an OUTPUT chain's) are there, none matched
    assert sum(r["outbound_syn"] for r in rows) > 0
    assert all(r["matched_outbound"] == 0 for r in rows)


def test_outbound_kept_on_request(corpus_dir):
    """direction = both: the outbound SYN lines of the UFW capture match, with their source."""
    cs = load("corpus_synflood")
    from f2btune.f2b import make_filter, quiet_logging
    quiet_logging()
    path = os.path.join(corpus_dir, "alfonsodeuna-ufw-iso8601", "ufw.log")
    if not os.path.isfile(path):
        import pytest
        pytest.skip("corpus file not found: %s" % path)
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = [l.rstrip("\n") for l in f]
    parsed = [cs.parse(l) for l in lines]
    outbound = [(l, p) for l, p in zip(lines, parsed) if p is not None and p[3]]
    assert outbound
    for direction, want in (("in", 0), ("both", len(outbound))):
        got = 0
        for line, p in outbound:
            flt = make_filter(cs.FILTER, options={"logprefix": cs.regex_escape(p[0]), "direction": direction})
            res = flt.processLine(line)
            if res:
                assert str(res[0][1]) == p[2]
                got += 1
        assert got == want, direction


def test_reference_parse_is_independent():
    """The reference parser classifies lines on its own (no fail2ban, no regex)."""
    cs = load("corpus_synflood")
    syn = ("Aug 14 11:59:01 pi kernel: [ 4242.123456] f2b-syn: IN=eth0 OUT= MAC=aa SRC=192.0.2.7 "
           "DST=192.0.2.1 LEN=60 TTL=52 ID=0 DF PROTO=TCP SPT=1 DPT=22 WINDOW=1 RES=0x00 SYN URGP=0 ")
    assert cs.parse(syn) == ("f2b-syn: ", True, "192.0.2.7", False)
    # the host's own outbound SYN: not an inbound SYN, counted apart
    assert cs.parse(syn.replace("IN=eth0 OUT=", "IN= OUT=eth0")) == ("f2b-syn: ", False, "192.0.2.7", True)
    assert cs.parse(syn.replace(" SYN ", " ACK SYN "))[1] is False
    assert cs.parse(syn.replace("SRC=192.0.2.7", "SRC=0.0.0.0"))[1] is False
    assert cs.parse(syn.replace("kernel:", "sshd[1]:")) is None
    assert cs.regex_escape("[UFW BLOCK] ") == "\\[UFW BLOCK\\]"
