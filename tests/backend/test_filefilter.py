"""Backend ``f2btune`` inside a real fail2ban-server (started by f2btune server): files and FIFOs."""
import os
import shutil
import sqlite3
import time

from tests.backend.conftest import (append, backend_stats, flood_lines, jail, status_field, touch,
                                    wait_for)


def test_identical_bans_to_stock_pyinotify_with_ignoreip(sandbox, logdir):
    lines, srcs = flood_lines(800, sources=40, seed=7)
    counts = {}
    for s in srcs:
        if s:
            counts[s] = counts.get(s, 0) + 1
    ignored = sorted(s for s in counts if counts[s] >= 5)[0]
    a, b = touch(logdir / "a.log"), touch(logdir / "b.log")
    sb = sandbox([jail("stock", a, backend="pyinotify", ignoreip=ignored),
                  jail("ours", b, backend="f2btune", ignoreip=ignored)])
    for i in range(0, len(lines), 100):
        append(a, lines[i:i + 100])
        append(b, lines[i:i + 100])
    expected = len([s for s in counts if counts[s] >= 3]) - 1
    assert wait_for(lambda: len(sb.banned("stock")) >= expected and len(sb.banned("ours")) >= expected, 60)
    assert wait_for(lambda: backend_stats(sb, "ours")["lines"] == len(lines), 20)
    stock, ours = sb.banned("stock"), sb.banned("ours")
    assert stock == ours and len(ours) == expected
    assert ignored not in ours
    st = backend_stats(sb, "ours")
    assert st["anchor_dropped"] > 0 and st["ignored"] == counts[ignored] and st["errors"] == 0
    assert st["cpu_ms"] >= 0                     # the reading thread's CPU, read from /proc when asked


def test_rotation_truncation_restart_lose_and_double_nothing(sandbox, logdir, tmp_path):
    log = str(logdir / "kern.log")
    touch(log)
    workdir = str(tmp_path / "restart-sb")
    jails = [jail("count", log, maxretry="100000")]
    sb = sandbox(jails, workdir=workdir)
    lines, _ = flood_lines(400, sources=50, seed=9, noise=0)
    it = iter(lines)
    sentinels = [0]

    def put(n, path=log):
        append(path, [next(it) for _ in range(n)])

    def total(n):
        # a sentinel line after the others: once it is counted, everything before it is
        put(1)
        sentinels[0] += 1
        want = n + sentinels[0]
        assert wait_for(lambda: status_field(sb, "count", "Total failed") >= want, 20), \
            (want, status_field(sb, "count", "Total failed"), sb.tail_output())
        assert status_field(sb, "count", "Total failed") == want

    put(5)
    total(5)
    with open(log, "a") as f:              # partial last line: counted once, when complete
        line = next(it)
        f.write(line[:60])
        f.flush()
        append(log, [line[60:]])
    total(6)
    put(2)                                 # logrotate "create": rename, new file
    os.rename(log, log + ".1")
    touch(log)
    put(3)
    total(11)
    put(2)                                 # logrotate "copytruncate"
    shutil.copyfile(log, log + ".1")
    with open(log, "r+") as f:
        f.truncate(0)
    put(4)
    total(17)
    os.unlink(log)                         # deleted and recreated
    put(3)
    total(20)
    sb.stop()                              # restart: positions are in fail2ban's database
    put(4)
    sb2 = sandbox(jails, workdir=workdir)
    sb = sb2
    sentinels[0] = 0
    total(4)
    sb.stop()                              # rotated while the server was down
    put(2)
    os.rename(log, log + ".1")
    put(3)
    sb = sandbox(jails, workdir=workdir)
    sentinels[0] = 0
    total(5)
    st = backend_stats(sb, "count")
    assert st["errors"] == 0


def test_named_pipe_written_by_syslog(sandbox, logdir):
    fifo = str(logdir / "kern.fifo")
    os.mkfifo(fifo)
    sb = sandbox([jail("fifo", fifo)])
    lines, srcs = flood_lines(60, sources=3, seed=4, noise=0.2)
    fd = os.open(fifo, os.O_WRONLY)
    try:
        for line in lines:
            os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)
    want = set(s for s in srcs if s and srcs.count(s) >= 3)
    assert wait_for(lambda: sb.banned("fifo") == want, 20), (sb.banned("fifo"), want)


def test_named_pipe_writer_dying_mid_line(sandbox, logdir):
    """The half line a dead writer left is dropped and counted; the next writer's lines count."""
    fifo = str(logdir / "kern.fifo")
    os.mkfifo(fifo)
    sb = sandbox([jail("fifo", fifo, maxretry="100000")])
    lines, _ = flood_lines(8, sources=2, seed=4, noise=0)
    fd = os.open(fifo, os.O_WRONLY)
    os.write(fd, (lines[0] + "\n" + lines[1][:70]).encode())
    os.close(fd)
    assert wait_for(lambda: backend_stats(sb, "fifo")["fifo_partial_dropped"] == 1, 20)
    fd = os.open(fifo, os.O_WRONLY)
    try:
        os.write(fd, ("\n".join(lines[2:8]) + "\n").encode())
    finally:
        os.close(fd)
    assert wait_for(lambda: status_field(sb, "fifo", "Total failed") >= 7, 20)
    assert status_field(sb, "fifo", "Total failed") == 7
    assert backend_stats(sb, "fifo")["errors"] == 0


def test_malformed_bytes_skipped_and_counted(sandbox, logdir):
    log = touch(logdir / "bad.log")
    sb = sandbox([jail("bad", log)])
    good, srcs = flood_lines(30, sources=1, seed=2, noise=0, ipv6=0)
    with open(log, "ab") as f:
        f.write(good[0].replace("IN=eth0", "IN=eth\udcff0").encode("utf-8", "surrogateescape") + b"\n")
        f.write(b"\0\0\0\0" + good[1].encode() + b"\n")
        f.write(b"f2b-syn: " + b"X" * (1 << 20) + b"\n")
        f.write(b"\xff\xfe garbage \x00\n")
        f.write(("\n".join(good[2:6]) + "\n").encode())
    assert wait_for(lambda: sb.banned("bad") == {srcs[0]}, 20)
    st = backend_stats(sb, "bad")
    assert st["undecodable"] >= 1 and st["nul_lines"] >= 1 and st["oversize_lines"] == 1
    assert st["errors"] == 0
    assert sb.client("ping").returncode == 0


def db_rows(sb, sql, *args):
    """Rows of a query on the server's fail2ban database."""
    con = sqlite3.connect(sb.dbfile)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def ban_rows(sb, ip):
    return db_rows(sb, "SELECT jail, bancount, bantime, timeofban FROM bips WHERE ip=?", ip)


def wait_clock_past(t):
    """Wait until the wall clock is past second ``t`` (lines stamped now come after it)."""
    assert wait_for(lambda: time.time() >= int(t) + 1, 10)


# fail2ban ignores a ban whose end (last failure's stamp + bantime) has passed when it is
# processed: the first ban is long enough for a server that lags seconds behind on a busy machine
ESCALATING = dict(bantime="8", bantime_increment="true", bantime_multipliers="1 5 30", maxretry="3")


def two_jails(sandbox, logdir):
    a, b = touch(logdir / "a.log"), touch(logdir / "b.log")
    sb = sandbox([jail("stock", a, backend="pyinotify", **ESCALATING), jail("ours", b, **ESCALATING)])
    return sb, (a, b)


def banned_in_both(sb, ip, count):
    """Wait for ban number ``count`` of ``ip`` in both jails; returns [(jail, count, bantime, at)].

    Read from the database (the observer records each ban there), not from the ban lists:
    a short ban may already have ended in one jail when the other bans.
    """
    rows = wait_for(lambda: (lambda r: r if len(r) == 2 else None)(
        sorted(r for r in ban_rows(sb, ip) if r[1] == count)), 60)
    assert rows, (ban_rows(sb, ip), sb.tail_output())
    return rows


def write_both(paths, n):
    """``n`` lines of one source, stamped now, to both logs; returns the source."""
    lines, srcs = flood_lines(n, sources=1, seed=8, noise=0, ipv6=0)
    for p in paths:
        append(p, lines)
    return srcs[0]


def test_escalation_and_observer_boost_as_stock(sandbox, logdir):
    sb, paths = two_jails(sandbox, logdir)
    ip = write_both(paths, 3)
    rows = banned_in_both(sb, ip, 1)
    assert [r[:3] for r in rows] == [("ours", 1, 8), ("stock", 1, 8)]
    # the 8 s ban ends; a known offender's failures then count double (observer), so 2 lines ban again
    assert wait_for(lambda: not sb.banned("stock") and not sb.banned("ours"), 30)
    wait_clock_past(max(r[3] for r in rows))
    assert write_both(paths, 2) == ip
    rows = banned_in_both(sb, ip, 2)
    assert [r[:3] for r in rows] == [("ours", 2, 40), ("stock", 2, 40)]


def test_returning_flood_is_banned_again_with_the_incremented_time(sandbox, logdir):
    """ban -> expiry -> the same source floods again -> banned again, at once, for 5x longer.

    The second flood is written while the expired ban may still sit in fail2ban's ban list
    (the actions thread lifts it when it wakes): its lines must count all the same.
    """
    sb, paths = two_jails(sandbox, logdir)
    ip = write_both(paths, 20)
    rows = banned_in_both(sb, ip, 1)
    end = max(r[3] + r[2] for r in rows)
    assert wait_for(lambda: time.time() > end + 1, 30)   # both bans have ended (lifted or not)
    assert write_both(paths, 30) == ip
    rows = banned_in_both(sb, ip, 2)
    assert [r[:3] for r in rows] == [("ours", 2, 40), ("stock", 2, 40)]
    st = backend_stats(sb, "ours")
    assert st["bans"] >= 2 and st["errors"] == 0
def test_reload_keeps_the_position(sandbox, logdir):
    log = touch(logdir / "r.log")
    sb = sandbox([jail("rl", log, maxretry="100000")])
    lines, _ = flood_lines(20, sources=5, seed=12, noise=0)
    append(log, lines[:6])
    assert wait_for(lambda: status_field(sb, "rl", "Total failed") == 6, 20)
    sb.client("reload")
    sb.wait_jails_started(["rl"])
    append(log, lines[6:11])              # the last line, once counted, vouches for the others
    assert wait_for(lambda: status_field(sb, "rl", "Total failed") >= 11, 20)
    assert status_field(sb, "rl", "Total failed") == 11


def saved_position(sb, path):
    rows = db_rows(sb, "SELECT lastfilepos FROM logs WHERE path=?", path)
    return rows[0][0] if rows else None


def test_kill_9_counts_again_only_the_lines_after_the_saved_position(sandbox, logdir, tmp_path):
    import signal
    log = touch(logdir / "k.log")
    workdir = str(tmp_path / "kill-sb")
    jails = [jail("k9", log, maxretry="100000")]
    sb = sandbox(jails, workdir=workdir)
    lines, _ = flood_lines(60, sources=5, seed=14, noise=0)
    append(log, lines[:20])
    assert wait_for(lambda: saved_position(sb, log) == os.path.getsize(log), 30)
    append(log, lines[20:30])
    assert wait_for(lambda: status_field(sb, "k9", "Total failed") == 30, 20)
    os.kill(sb.pid, signal.SIGKILL)
    sb.proc.wait(10)
    saved = saved_position(sb, log)
    with open(log, "rb") as f:
        again = f.read()[saved:].count(b"\n")     # lines after the last saved position
    assert 0 <= again <= 10
    sb = sandbox(jails, workdir=workdir)
    append(log, lines[30:31])                     # a sentinel: once counted, the rest is too
    assert wait_for(lambda: status_field(sb, "k9", "Total failed") >= again + 1, 20)
    assert status_field(sb, "k9", "Total failed") == again + 1


def test_quiet_log_service_step_polls_only_a_path_without_directory_watch(tmp_path):
    """A quiet log is served every IDLE_SERVICE_S when inotify watches every path's
    directory; a path whose directory cannot be watched (it does not exist yet) brings
    the step back to a second, for its rotation check."""
    from fail2ban.server.jail import Jail
    from f2btune.backend.loop import IDLE_SERVICE_S
    from f2btune.backend.register import register
    register()
    log = tmp_path / "kern.log"
    log.write_text("")
    flt = Jail("quiet-step", backend="f2btune").filter
    flt.addLogPath(str(log), tail=True)
    flt._loop_start()
    try:
        flt._watched_poller()
        assert flt._idle_service_s() == IDLE_SERVICE_S
        flt.addLogPath(str(tmp_path / "not-yet" / "auth.log"), tail=True)
        flt._watched_poller()
        assert flt._idle_service_s() == 1.0
    finally:
        flt._loop_end()
