"""Cheap stamps: the cached epoch is exactly what fail2ban's processLine finds."""
import time

from f2btune.backend.stamps import StampCache, stamp_end
from f2btune.f2b import make_filter

LINE = " pi kernel: [ 1.0] f2b-syn: IN=eth0 OUT= MAC= SRC=192.0.2.9 DST=192.0.2.1 PROTO=TCP SPT=1 DPT=22 WINDOW=1 RES=0x00 SYN URGP=0 "


def test_stamp_end_shapes():
    assert stamp_end(b"Nov 22 01:50:00 host x")[0] == 15
    assert stamp_end(b"Nov  2 01:50:00 host x")[0] == 15
    end, key = stamp_end(b"2026-11-22T01:50:00.123456+01:00 host x")
    assert end == 32 and key == b"2026-11-22T01:50:00+01:00"
    assert stamp_end(b"2026-11-22T01:50:00Z host x")[0] == 20
    assert stamp_end(b"host: Nov 22 01:50:00")[1] is None
    assert stamp_end(b"short")[1] is None


def test_cache_agrees_with_fail2ban(root_dir):
    flt = make_filter(root_dir + "/filter.d/f2btune-synflood.conf")
    flt.inOperation = False
    flt.checkFindTime = False
    cache = StampCache(flt)
    now = time.time()
    for t in (now, now - 3600, now - 86400 * 40):
        for stamp in (time.strftime("%b %e %H:%M:%S", time.localtime(t)),
                      time.strftime("%Y-%m-%dT%H:%M:%S.250000+00:00", time.gmtime(t))):
            text = stamp + LINE
            got = cache.get(text.encode(), text)
            assert got is not None, text
            ref = flt.processLine(text)
            assert ref and ref[0][2] == got[1], text
            assert got[0] == ("", stamp, LINE)
    assert cache.misses == 6
    text = time.strftime("%b %e %H:%M:%S") + LINE
    cache.get(text.encode(), text)
    cache.get(text.encode(), text)
    assert cache.hits >= 1


def test_unknown_stamp_is_left_to_fail2ban():
    flt = make_filter(failregex="SRC=<ADDR> ")
    flt.setDatePattern("^%Y/%m/%d %H:%M:%S")        # a jail pattern that does not cover syslog
    cache = StampCache(flt)
    text = "Nov 22 01:50:00" + LINE
    assert cache.get(text.encode(), text) is None


def test_one_detector_call_per_minute_same_answers(root_dir):
    """Every second of a minute, in both formats and in an order that skips around, gets what
    fail2ban's processLine finds; the detector is asked once per minute and format."""
    flt = make_filter(root_dir + "/filter.d/f2btune-synflood.conf")
    flt.inOperation = False
    flt.checkFindTime = False
    cache = StampCache(flt)
    start = int(time.time() - 7200) // 60 * 60
    secs = [start + (s * 37) % 120 for s in range(120)]      # two minutes, shuffled
    for t in secs:
        for stamp in (time.strftime("%b %e %H:%M:%S", time.localtime(t)),
                      time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(t))):
            text = stamp + LINE
            got = cache.get(text.encode(), text)
            ref = flt.processLine(text)
            assert got is not None and ref and ref[0][2] == got[1], text
    assert cache.misses == 4


def test_leap_second_goes_to_the_detector(root_dir):
    flt = make_filter(root_dir + "/filter.d/f2btune-synflood.conf")
    cache = StampCache(flt)
    for ss in ("00", "60"):
        text = "Jun 30 23:59:%s" % ss + LINE
        cache.get(text.encode(), text)
    assert cache.misses == 2
