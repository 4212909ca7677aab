"""Memory does not grow with the backlog: a rotation catch-up of 500 000 lines, in a real server."""
import os

from tests.backend.conftest import append, backend_stats, flood_lines, jail, touch, wait_for

LIVE, BACKLOG = 10000, 500000


def peak_rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM for %d" % pid)


def test_rotation_catch_up_peak_rss_within_2x_of_live(sandbox, logdir, capsys):
    log = touch(logdir / "kern.log")
    # every line counted, nobody banned; fail2ban keeps maxmatches lines per address
    sb = sandbox([jail("mem", log, maxretry="1000000", maxmatches="5")])
    block, _ = flood_lines(LIVE, sources=250, seed=13)
    append(log, block)
    assert wait_for(lambda: backend_stats(sb, "mem")["lines"] == LIVE, 60)
    live = peak_rss_kb(sb.pid)
    # the reader pauses (fail2ban's idle mode) while the backlog is written and rotated away
    sb.client("set", "mem", "idle", "on")
    with open(log, "a") as f:
        text = "\n".join(block) + "\n"
        for _ in range(BACKLOG // LIVE):
            f.write(text)
    os.rename(log, log + ".1")                                 # logrotate "create"
    touch(log)
    sb.client("set", "mem", "idle", "off")
    assert wait_for(lambda: backend_stats(sb, "mem")["lines"] == LIVE + BACKLOG, 300)
    peak = peak_rss_kb(sb.pid)
    st = backend_stats(sb, "mem")
    with capsys.disabled():
        print("\npeak RSS after %d lines live: %.1f MB; after catching up %d rotated lines: %.1f MB "
              "(%d batches)" % (LIVE, live / 1024.0, BACKLOG, peak / 1024.0, st["batches"]))
    assert peak <= 2 * live
    with open(sb.logfile) as f:
        assert "rotated" in f.read()                          # read as a moved-away file
    assert st["batches"] >= st["bytes"] // (1 << 18) and st["errors"] == 0
