"""/proc readings used by the replay: CPU (threads + reaped children), RSS, bytes read."""
import os
import subprocess
import sys

from f2btune.replay import procstat


def test_cpu_memory_and_reads_of_a_real_process(tmp_path):
    data = tmp_path / "data"
    data.write_bytes(b"x" * 300000)
    code = ("import sys, time\nx = 0\nfor i in range(2000000): x += i\n"
            "open(sys.argv[1], 'rb').read()\nprint('done', flush=True)\nsys.stdin.read()\n")
    p = subprocess.Popen([sys.executable, "-c", code, str(data)], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert p.stdout.readline().strip() == b"done"
        assert procstat.cpu_seconds(p.pid) > 0.02
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
    subprocess.run([sys.executable, "-c", "x = 0\nfor i in range(3000000): x += i"], check=True)
    assert procstat.cpu_seconds(os.getpid()) - before > 0.05



def test_thread_cpu_by_thread_name():
    """Per-thread CPU by thread name (fail2ban names its threads f2b/...): a busy thread shows."""
    code = ("import ctypes, threading, sys\n"
            "def busy():\n"
            "    ctypes.CDLL(None).prctl(15, b'f2b/busy', 0, 0, 0)\n"
            "    x = 0\n"
            "    for i in range(3000000): x += i\n"
            "    print('done', flush=True)\n"
            "    sys.stdin.read()\n"
            "t = threading.Thread(target=busy); t.start(); t.join()\n")
    p = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert p.stdout.readline().strip() == b"done"
        threads = procstat.thread_cpu(p.pid)
        total = procstat.cpu_seconds(p.pid, children=False)
    finally:
        p.stdin.close()
        p.wait()
    assert threads["f2b/busy"] > 0.05
    assert abs(sum(threads.values()) - total) < 0.05
    assert procstat.thread_cpu(p.pid) == {}
