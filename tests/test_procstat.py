"""/proc readings used by the replay: CPU (threads + reaped children), RSS, bytes read.

The child processes spin until they have used a given amount of CPU by their own clock
(``time.process_time`` / ``time.thread_time``) and report it; the readings are compared with
that, so nothing depends on how fast or busy the machine is.
"""
import os
import subprocess
import sys
import time

import pytest

from f2btune import procstat

# spin until this process (or thread) has used SECONDS of CPU, then print what it used
SPIN = ("import time\ndef spin(seconds, clock):\n    x = 0\n    while clock() < seconds: x += 1\n"
        "    return clock()\n")
TICK = 1.0 / procstat.CLK_TCK


def test_cpu_memory_and_reads_of_a_real_process(tmp_path):
    data = tmp_path / "data"
    data.write_bytes(b"x" * 300000)
    code = SPIN + ("import sys\nused = spin(0.05, time.process_time)\n"
                   "open(sys.argv[1], 'rb').read()\nprint(used, flush=True)\nsys.stdin.read()\n")
    p = subprocess.Popen([sys.executable, "-c", code, str(data)], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        used = float(p.stdout.readline())
        assert procstat.cpu_seconds(p.pid) >= used >= 0.05
        rss, peak = procstat.memory_mb(p.pid)
        assert 1 < rss <= peak
        assert procstat.read_bytes(p.pid) >= 300000
        assert procstat.alive(p.pid)
    finally:
        p.stdin.close()
        p.wait()
    assert not procstat.alive(p.pid)


def test_children_count_once_reaped():
    before = procstat.cpu_seconds(os.getpid())
    code = SPIN + "print(spin(0.1, time.process_time))\n"
    used = float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True).stdout)
    # reaped children are counted in clock ticks (user and system time each truncated)
    assert procstat.cpu_seconds(os.getpid()) - before >= used - 2 * TICK


def still_readings(pid, deadline_s=60):
    """(thread_cpu, cpu_seconds) taken while no thread of ``pid`` ran (all of them wait)."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        before = procstat.thread_cpu(pid)
        total = procstat.cpu_seconds(pid, children=False)
        if procstat.thread_cpu(pid) == before:
            return before, total
    raise AssertionError("the threads of %d never stood still" % pid)


def test_thread_cpu_by_thread_name():
    """Per-thread CPU by thread name (fail2ban names its threads f2b/...): the busy thread shows,
    with at least the CPU it measured itself and more than an idle thread."""
    code = SPIN + ("import ctypes, threading, sys\n"
                   "def name(n): ctypes.CDLL(None).prctl(15, n, 0, 0, 0)\n"
                   "ready, stop = threading.Event(), threading.Event()\n"
                   "def idle():\n    name(b'f2b/idle'); ready.set(); stop.wait()\n"
                   "def busy():\n"
                   "    name(b'f2b/busy'); ready.wait()\n"
                   "    print(spin(0.1, time.thread_time), flush=True)\n"
                   "    sys.stdin.read(); stop.set()\n"
                   "ts = [threading.Thread(target=f) for f in (idle, busy)]\n"
                   "[t.start() for t in ts]; [t.join() for t in ts]\n")
    p = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        used = float(p.stdout.readline())
        threads, total = still_readings(p.pid)
    finally:
        p.stdin.close()
        p.wait()
    assert threads["f2b/busy"] >= used >= 0.1
    assert threads["f2b/busy"] > threads["f2b/idle"]
    assert sum(threads.values()) == pytest.approx(total, abs=1e-6)
    assert procstat.thread_cpu(p.pid) == {}
