"""LogTail on real files and a real named pipe: rotation, truncation, partial lines, big lines."""
import os
import shutil

from f2btune.backend.tail import LogTail


def w(path, text, mode="a"):
    with open(path, mode) as f:
        f.write(text)


def read_all(t):
    out = []
    while True:
        lines, n = t.read()
        out.extend(x.decode() for x in lines)
        if not getattr(t, "more", False):
            return out


def test_partial_last_line_waits_for_its_newline(tmp_path):
    p = str(tmp_path / "log")
    w(p, "a1\na2\npart")
    t = LogTail(p)
    assert read_all(t) == ["a1", "a2"]
    assert read_all(t) == []
    w(p, "ial\nb1\n")
    assert read_all(t) == ["partial", "b1"]


def test_rotation_by_rename_reads_the_old_file_to_its_end(tmp_path):
    p = str(tmp_path / "log")
    w(p, "a1\n")
    t = LogTail(p)
    assert read_all(t) == ["a1"]
    w(p, "a2\nlast-without-newline")
    os.rename(p, p + ".1")                  # logrotate "create"
    w(p, "b1\n", "w")
    assert read_all(t) == ["a2", "last-without-newline", "b1"]
    w(p, "b2\n")
    assert read_all(t) == ["b2"]
    assert t.rotations == 1


def test_delete_and_recreate(tmp_path):
    p = str(tmp_path / "log")
    w(p, "a1\n")
    t = LogTail(p)
    read_all(t)
    w(p, "a2\n")
    os.unlink(p)
    assert read_all(t) == ["a2"]            # the deleted file is still open: nothing lost
    assert read_all(t) == []
    w(p, "b1\n", "w")
    assert read_all(t) == ["b1"]


def test_copytruncate_recovers_lines_from_the_copy(tmp_path):
    p = str(tmp_path / "log")
    w(p, "a1\n")
    t = LogTail(p)
    assert read_all(t) == ["a1"]
    w(p, "a2\na3\n")                        # written but not read yet
    shutil.copyfile(p, p + ".1")            # logrotate copytruncate
    with open(p, "r+") as f:
        f.truncate(0)
    w(p, "b1\nb2\nb3\nb4\n")                # the file grew past the old position again
    assert read_all(t) == ["a2", "a3", "b1", "b2", "b3", "b4"]


def test_plain_truncation_restarts_at_zero(tmp_path):
    p = str(tmp_path / "log")
    w(p, "a1\na2\n")
    t = LogTail(p)
    read_all(t)
    with open(p, "w") as f:
        f.write("c1\n")
    assert read_all(t) == ["c1"]


def test_oversize_lines_are_skipped_and_counted(tmp_path):
    p = str(tmp_path / "log")
    stats = {}
    t = LogTail(p if os.path.exists(p) else (w(p, "") or p), maxlinesize=1024, stats=stats)
    w(p, "ok1\n" + "x" * (1 << 20) + "\nok2\n" + "y" * 5000 + "\nok3\n")
    assert read_all(t) == ["ok1", "ok2", "ok3"]
    assert stats["oversize_lines"] == 2


def pipe_and_writer(tmp_path):
    """(a LogTail on a new named pipe, a writer's descriptor)."""
    p = str(tmp_path / "fifo")
    os.mkfifo(p)
    t = LogTail(p)
    assert t.fifo
    return t, os.open(p, os.O_WRONLY | os.O_NONBLOCK)


def test_named_pipe(tmp_path):
    t, fd = pipe_and_writer(tmp_path)
    try:
        os.write(fd, b"l1\nl2\npar")
        assert read_all(t) == ["l1", "l2"]
        os.write(fd, b"t\n")
        assert read_all(t) == ["part"]
    finally:
        os.close(fd)
    # the writer went away (syslog restart): no error, nothing read, nothing dropped
    assert read_all(t) == []
    assert t.stats.get("fifo_partial_dropped", 0) == 0
    t.close()


def test_named_pipe_writer_dying_mid_line_is_not_glued(tmp_path):
    t, fd = pipe_and_writer(tmp_path)
    os.write(fd, b"a1\nhalf-a-li")
    assert read_all(t) == ["a1"]
    os.close(fd)                            # the writer dies in the middle of a line
    assert read_all(t) == []                # the reader sees the end (its poll wakes on it)
    fd = os.open(t.path, os.O_WRONLY | os.O_NONBLOCK)
    try:
        os.write(fd, b"b1\nb2\n")           # the next writer's lines arrive whole
        assert read_all(t) == ["b1", "b2"]
    finally:
        os.close(fd)
    assert t.stats["fifo_partial_dropped"] == 1
    t.close()


def test_named_pipe_with_no_writer_does_not_spin(tmp_path):
    """After the last writer left, the reopened pipe reports nothing until a writer comes."""
    import select
    t, fd = pipe_and_writer(tmp_path)
    os.write(fd, b"x\n")
    os.close(fd)
    assert read_all(t) == ["x"]             # reads the line, then the end: reopened
    poller = select.poll()
    poller.register(t.fd, select.POLLIN)
    assert poller.poll(0) == []
    t.close()


def test_every_read_is_bounded(tmp_path):
    """A backlog (a rotated copy, the moved-away file, the live file) comes in bounded batches."""
    from f2btune.backend.chunks import BATCH_BYTES
    p = str(tmp_path / "log")
    w(p, "")
    t = LogTail(p)
    line = "x" * 99 + "\n"
    w(p, line * 5000)                       # 500 000 bytes unread
    os.rename(p, p + ".1")                  # moved away: read to its end, then the new file
    w(p, line * 3000, "w")
    sizes, total = [], 0
    while True:
        lines, n = t.read()
        sizes.append(n)
        total += len(lines)
        if not t.more:
            break
    assert total == 8000
    assert max(sizes) <= 2 * BATCH_BYTES and len(sizes) >= 6


def test_watched_tail_checks_the_path_when_idle_or_told(tmp_path):
    """With a directory watch, a read that brings lines does not look at the path; the next
    read that finds nothing (or check_soon) does, and nothing is lost either way."""
    p = str(tmp_path / "log")
    w(p, "a1\n")
    t = LogTail(p)
    t.watched = True
    assert read_all(t) == ["a1"]
    w(p, "a2\n")
    os.rename(p, p + ".1")
    w(p, "b1\n", "w")
    assert read_all(t) == ["a2"]                 # the old file still had lines
    assert read_all(t) == ["b1"]                 # nothing new there: the path is checked
    assert t.rotations == 1
    os.rename(p, p + ".2")
    w(p, "c1\n", "w")
    w(p + ".2", "b2\n")
    t.check_soon()                               # the directory changed
    assert read_all(t) == ["b2", "c1"]
    assert t.rotations == 2
    with open(p, "r+") as f:                     # truncated in place, regrown past the position
        f.truncate(0)
    w(p, "d1-longer-than-before\n")
    assert read_all(t) == ["d1-longer-than-before"]
