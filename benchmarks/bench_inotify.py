"""pyperf benchmark: taking one file's IN_MODIFY event off an inotify descriptor.

``raw``: what the f2btune backend does (``poll``, ``os.read``, ``struct`` on the buffer);
``pyinotify``: pyinotify's Notifier (``check_events``, ``read_events``, ``process_events``:
event objects and a dispatch per event).  One timed loop appends a line (outside the timing)
and takes its event; value = seconds of this thread's CPU per event.

    python benchmarks/bench_inotify.py -o inotify.json
"""
import os
import select
import shutil
import struct
import tempfile
import time

import pyinotify

EVENT = struct.Struct("iIII")


class Watched(object):
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="f2btune-inotify-")
        self.path = os.path.join(self.dir, "log")
        open(self.path, "w").close()
        self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        self.wm = pyinotify.WatchManager()
        self.wm.add_watch(self.path, pyinotify.IN_MODIFY)
        self.ifd = self.wm.get_fd()

    def touch(self):
        os.write(self.fd, b"x\n")

    def close(self):
        os.close(self.fd)
        self.wm.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def raw_loop(loops):
    w = Watched()
    os.set_blocking(w.ifd, False)
    poller = select.poll()
    poller.register(w.ifd, select.POLLIN)
    total, clock = 0.0, time.thread_time
    for _ in range(loops):
        w.touch()
        t0 = clock()
        for fd, _ in poller.poll(1000):
            buf = os.read(fd, 65536)
            off = 0
            while off + 16 <= len(buf):
                _wd, mask, _c, n = EVENT.unpack_from(buf, off)
                off += 16 + n
        total += clock() - t0
    w.close()
    return total


def pyinotify_loop(loops):
    w = Watched()
    seen = []
    notifier = pyinotify.Notifier(w.wm, lambda ev: seen.append(ev.mask))
    total, clock = 0.0, time.thread_time
    for _ in range(loops):
        w.touch()
        t0 = clock()
        if notifier.check_events(1000):
            notifier.read_events()
            notifier.process_events()
        total += clock() - t0
    w.close()
    return total


def main():
    import pyperf
    runner = pyperf.Runner()
    runner.bench_time_func("inotify-raw", raw_loop)
    runner.bench_time_func("inotify-pyinotify", pyinotify_loop)


if __name__ == "__main__":
    main()
