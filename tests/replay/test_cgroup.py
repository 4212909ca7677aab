"""The CPU cap: a real cgroup (v2 cpu.max where usable, else v1 CFS quota), created and removed."""
import os
import subprocess
import time

import pytest

from f2btune.errors import UsageError
from f2btune.replay.cgroup import CpuQuota


def throttled(path):
    """How often the kernel held the group back for using up its quota (cpu.stat nr_throttled)."""
    with open(os.path.join(path, "cpu.stat")) as f:
        return dict(line.split() for line in f if line.strip()).get("nr_throttled", "0")


def test_quota_caps_a_process_and_is_removed(as_root):
    q = CpuQuota("f2btune-test-%d" % os.getpid(), 20)
    p = subprocess.Popen(["sh", "-c", "while :; do :; done"])
    try:
        q.add_pid(p.pid)
        with open("/proc/%d/cgroup" % p.pid) as f:
            assert os.path.basename(q.path) in f.read()
        if q.version == 1:
            with open(os.path.join(q.path, "cpu.cfs_quota_us")) as f:
                assert int(f.read()) == 20000
        else:
            with open(os.path.join(q.path, "cpu.max")) as f:
                assert f.read().split() == ["20000", "100000"]
        # the busy loop is held back by the kernel: wait for it (a deadline, not a sleep)
        deadline = time.monotonic() + 120
        while int(throttled(q.path)) < 3:
            assert time.monotonic() < deadline, "a busy loop under a 20 % quota was never throttled"
            time.sleep(0.05)
    finally:
        p.kill()
        p.wait()
        q.remove()
    assert not os.path.isdir(q.path)


def test_bad_quota():
    with pytest.raises(UsageError):
        CpuQuota("f2btune-bad", 0)
