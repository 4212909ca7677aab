"""Candidates become real fail2ban Filters; bad regexes and filters are one-line InputErrors."""
import pytest

from f2btune.bench.api import SEED_REGEX
from f2btune.bench.candidates import Candidate
from f2btune.errors import InputError

LINE = ("Jan  1 00:00:00 raspberrypi kernel: [ 1234.500000] f2b-syn: IN=eth0 OUT= "
        "MAC=dc:a6:32:5e:1f:07:f4:92:bf:3a:66:10:08:00 SRC=198.18.0.1 DST=192.168.1.23 LEN=60 "
        "TOS=0x00 PREC=0x00 TTL=52 ID=1 DF PROTO=TCP SPT=4000 DPT=22 WINDOW=64240 RES=0x00 SYN URGP=0 ")


def test_regex_candidate_is_a_real_filter():
    c = Candidate.regex(SEED_REGEX, name="seed")
    flt = c.build_filter()
    assert type(flt).__module__ == "fail2ban.server.filter"
    flt.checkFindTime = False
    assert [str(f[1]) for f in flt.processLine(LINE)] == ["198.18.0.1"]
    assert Candidate.from_dict(c.to_dict()).to_dict() == c.to_dict()


def test_filter_candidate_from_a_path_with_options(test_filter):
    c = Candidate.filter(test_filter)
    assert c.name == "f2btune-test-syn"
    flt = c.build_filter()
    flt.checkFindTime = False
    assert [str(f[1]) for f in flt.processLine(LINE)] == ["198.18.0.1"]
    assert flt.processLine(LINE.replace("f2b-syn: ", "other: ")) == []


def test_stock_filter_by_name():
    c = Candidate.filter("sshd[mode=aggressive]")
    assert c.name == "sshd[mode=aggressive]"
    assert len(c.build_filter().getFailRegex()) > 1


@pytest.mark.parametrize("regex, words", [
    ("kernel:.*SRC=(<HOST>", "rejected by fail2ban"),   # does not compile
    ("kernel:.*SRC=\\S+", "rejected by fail2ban"),      # no failure-id group
])
def test_bad_regex_is_a_one_line_input_error(regex, words):
    with pytest.raises(InputError) as e:
        Candidate.regex(regex).validate()
    assert words in str(e.value) and "\n" not in str(e.value)


def test_unknown_filter_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no filter named"):
        Candidate.filter("f2btune-no-such-filter").validate()
    with pytest.raises(InputError, match="not found"):
        Candidate.filter(str(tmp_path / "nope.conf")).validate()
