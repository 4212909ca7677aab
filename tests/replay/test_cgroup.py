"""The CPU cap: a real cgroup (v2 cpu.max where usable, else v1 CFS quota), created and removed."""
import os
import subprocess
import time

import pytest

from f2btune.errors import UsageError
from f2btune.replay.cgroup import CpuQuota


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
        from f2btune.replay.procstat import cpu_seconds
        c0 = cpu_seconds(p.pid)
        time.sleep(1.0)
        used = cpu_seconds(p.pid) - c0
        assert used < 0.5          # a busy loop held well under one CPU by a 20 % quota
    finally:
        p.kill()
        p.wait()
        q.remove()
    assert not os.path.isdir(q.path)


def test_bad_quota():
    with pytest.raises(UsageError):
        CpuQuota("f2btune-bad", 0)
