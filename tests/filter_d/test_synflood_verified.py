"""f2btune-synflood's mode = verified through fail2ban's real Filter: the lines `rules --verified` logs."""
from f2btune.seed import LOG_PREFIX, VERIFIED_LOG_PREFIX
from f2btune.suggest.prove import failures
from tests.filter_d.test_synflood import flt

HEAD = "Nov 30 21:40:01 pi kernel: [ 4242.123456] "
FIELDS = ("IN=eth0 OUT= MAC=b8:27:eb:00:00:01:00:11:22:33:44:55:08:00 SRC=192.0.2.7 DST=192.0.2.1 LEN=52 "
          "TOS=0x00 PREC=0x00 TTL=64 ID=4711 DF PROTO=TCP SPT=40000 DPT=22 WINDOW=502 RES=0x00 %s URGP=0 ")
V6 = ("IN=eth0 OUT= MAC=b8:27:eb:00:00:01:00:11:22:33:44:55:86:dd SRC=2001:0db8:0000:0000:0000:0000:0000:0bad "
      "DST=2001:0db8:0000:0000:0000:0000:0000:0001 LEN=72 TC=0 HOPLIMIT=64 FLOWLBL=0 PROTO=TCP SPT=58537 DPT=22 "
      "WINDOW=502 RES=0x00 ACK URGP=0 ")


def line(flags, prefix=VERIFIED_LOG_PREFIX):
    return HEAD + prefix + FIELDS % flags


def verified():
    return flt(mode="verified", logprefix=VERIFIED_LOG_PREFIX)


def test_the_handshake_ack_matches_with_its_source():
    lines = [line("ACK"), line("ACK PSH"), line("ECE ACK"), HEAD + VERIFIED_LOG_PREFIX + V6]
    assert failures(verified(), lines) == ["192.0.2.7"] * 3 + ["2001:db8::bad"]


def test_other_flags_do_not_match():
    lines = [line(f) for f in ("SYN", "ACK SYN", "ACK FIN", "ACK RST", "RST", "ACK PSH FIN")]
    assert failures(verified(), lines) == [None] * len(lines)


def test_prefixes_keep_the_modes_apart():
    """A SYN jail never reads verified lines and the verified jail never reads SYN lines."""
    assert failures(flt(), [line("ACK", LOG_PREFIX)]) == [None]
    assert failures(verified(), [line("SYN", LOG_PREFIX), line("ACK", LOG_PREFIX)]) == [None, None]


def test_ulogd_ack_field_is_not_the_flag():
    """ulogd2 prints SEQ= ACK= fields; only the flag token after WINDOW= counts."""
    ulogd = ("Nov 30 21:40:01 pi f2b-ver: IN=eth0 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 "
             "SRC=192.0.2.8 DST=192.0.2.1 LEN=52 TOS=00 PREC=0x00 TTL=64 ID=1 DF PROTO=TCP SPT=40000 DPT=22 "
             "SEQ=1 ACK=%d WINDOW=502 %s URGP=0 MARK=0 ")
    flt_u = flt(mode="verified", logprefix=VERIFIED_LOG_PREFIX, logtype="ulogd")
    assert failures(flt_u, [ulogd % (5, "ACK"), ulogd % (0, "SYN")]) == ["192.0.2.8", None]


def test_injected_text_cannot_choose_the_address():
    """Another program's message quoting a verified line, and an ICMP error quoting an ACK."""
    quoted = "Nov 30 21:40:01 pi app[1]: user said kernel: " + VERIFIED_LOG_PREFIX + FIELDS % "ACK"
    icmp = (HEAD + VERIFIED_LOG_PREFIX + "IN=eth0 OUT= SRC=198.51.100.9 DST=192.0.2.1 LEN=80 TOS=0x00 PREC=0x00 "
            "TTL=60 ID=1 PROTO=ICMP TYPE=3 CODE=3 [SRC=192.0.2.1 DST=192.0.2.7 LEN=52 TOS=0x00 PREC=0x00 "
            "TTL=64 ID=1 DF PROTO=TCP SPT=22 DPT=40000 WINDOW=502 RES=0x00 ACK URGP=0 ] ")
    assert failures(verified(), [quoted, icmp]) == [None, None]
