"""`f2btune check` samples regular log files only, and only their end: a named pipe, a device or
a huge (sparse) file is a note, never a hang or a memory blow-up."""
import json
import os

import pytest

from f2btune.check import run_check
from f2btune.check.sample import HUGE_BYTES, SAMPLE_BYTES, read_tail
from tests.check.helpers import ids, make_conf
from tests.conftest import run_cli


def notes(report):
    return [f.message for f in report.findings if f.id == "log-not-sampled"]


@pytest.fixture
def fifo(tmp_path):
    path = str(tmp_path / "kern.fifo")
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero", "/dev/urandom"])
def test_pipes_and_devices_are_a_note_and_the_command_returns(tmp_path, fifo, kind):
    path = fifo if kind == "fifo" else kind
    conf = make_conf(tmp_path, jail="logpath = %s\nbackend = polling\n" % path)
    # a subprocess with a deadline: a hang or a MemoryError fails here instead of stalling the suite
    r = run_cli("check", "--conf", conf, "--jail", "test", "--json", timeout=120)
    assert r.returncode in (0, 3), r.stderr
    found = [f for f in json.loads(r.stdout)["findings"] if f["id"] == "log-not-sampled"]
    assert len(found) == 1 and path in found[0]["message"] and found[0]["severity"] == "info"
    assert ("named pipe" if kind == "fifo" else "character device") in found[0]["message"]


def test_a_fifo_beside_a_regular_log_keeps_the_sample(tmp_path, fifo):
    conf = make_conf(tmp_path, jail="logpath = %s\n          {log}\n" % fifo)
    report = run_check(conf, jails=["test"])
    assert len(notes(report)) == 1 and "log-not-sampled" in ids(report)


def test_huge_sparse_file_is_sampled_by_its_end_only(tmp_path):
    log = tmp_path / "huge.log"
    with open(str(log), "wb") as f:
        f.truncate(HUGE_BYTES + 10)
        f.seek(HUGE_BYTES + 10)
        f.write(b"\nlast line\n")
    assert read_tail(str(log)) == ["last line"]   # no more than SAMPLE_BYTES were read
    conf = make_conf(tmp_path, jail="logpath = %s\n" % log)
    msg = notes(run_check(conf, jails=["test"]))
    assert len(msg) == 1 and "only its last %d KiB" % (SAMPLE_BYTES // 1024) in msg[0]


def test_read_tail_refuses_what_is_not_a_regular_file(fifo):
    for path in (fifo, "/dev/zero", "/dev/null"):
        with pytest.raises(OSError):
            read_tail(path)
