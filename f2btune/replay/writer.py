"""The closed-loop flood writer: appends flood lines to the log, stops an address once it is banned.

Lines come from :func:`f2btune.flood.iter_lines` (kernel LOG text as the LOG target writes it).
Each line gets the wall-clock syslog stamp at the moment it is written (as rsyslog would) and
is written with one ``write()`` call.  A line whose source is already banned (seen in the
namespace's ipsets by the watcher) is not written, as the DROP rule would have stopped the
packet; the time of each source's maxretry-th written line is kept for the ban latency.
"""
import ipaddress
import os
import threading
import time

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Stamper(object):
    """Current local time as an RFC3164 or RFC3339 stamp, recomputed once per second."""

    def __init__(self, fmt):
        self.fmt = fmt
        self.sec = None
        self.text = ""

    def __call__(self, now):
        sec = int(now)
        if sec != self.sec:
            self.sec = sec
            tm = time.localtime(sec)
            if self.fmt == "rfc3339":
                off = tm.tm_gmtoff
                self.base = time.strftime("%Y-%m-%dT%H:%M:%S", tm)
                self.zone = "%s%02d:%02d" % ("+" if off >= 0 else "-", abs(off) // 3600, abs(off) % 3600 // 60)
            else:
                self.text = "%s %2d %s" % (_MONTHS[tm.tm_mon - 1], tm.tm_mday, time.strftime("%H:%M:%S", tm))
        if self.fmt == "rfc3339":
            return "%s.%06d%s" % (self.base, int((now - sec) * 1e6), self.zone)
        return self.text


def stamp_len(fmt):
    return 32 if fmt == "rfc3339" else 15


class ClosedLoopWriter(object):
    """Write ``records`` (FloodLine) to ``path`` at ``rate`` lines/s (None: as fast as possible)."""

    def __init__(self, path, records, maxretry, rate=None, fmt="syslog"):
        self.path = path
        self.records = records
        self.maxretry = maxretry
        self.rate = rate
        self.fmt = fmt
        self.banned = {}              # address -> epoch the ban became visible (watcher thread)
        self.nth_time = {}            # address -> epoch its maxretry-th line was written
        self.counts = {}
        self.offered = self.written = self.bytes = 0
        self.failure_lines = self.noise_lines = self.dropped = 0
        self.started = self.finished = None
        self.done = threading.Event()
        self._norm = {}

    def norm(self, src):
        k = self._norm.get(src)
        if k is None:
            k = self._norm[src] = ipaddress.ip_address(src).compressed
        return k

    def run(self):
        stamper = Stamper(self.fmt)
        cut = stamp_len(self.fmt)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        banned, counts, nth, maxretry = self.banned, self.counts, self.nth_time, self.maxretry
        now = time.time
        interval = 1.0 / self.rate if self.rate else 0.0
        self.started = t0 = now()
        try:
            for rec in self.records:
                self.offered += 1
                src = rec.src
                key = None
                if src is not None:
                    key = self.norm(src)
                    if key in banned:
                        self.dropped += 1
                        continue
                if interval:
                    delay = t0 + self.written * interval - now()
                    if delay > 0:
                        time.sleep(delay)
                t = now()
                data = (stamper(t) + rec.text[cut:] + "\n").encode("utf-8", "replace")
                os.write(fd, data)
                self.written += 1
                self.bytes += len(data)
                if key is not None:
                    self.failure_lines += 1
                    c = counts.get(key, 0) + 1
                    counts[key] = c
                    if c == maxretry:
                        nth[key] = t
                else:
                    self.noise_lines += 1
        finally:
            os.close(fd)
            self.finished = now()
            self.done.set()

    def latencies_ms(self):
        """Ban latencies (ms) of sources that reached maxretry and got banned; and the unbanned count."""
        lat, missing = [], 0
        for key, t in self.nth_time.items():
            b = self.banned.get(key)
            if b is None:
                missing += 1
            else:
                lat.append(max(0.0, (b - t) * 1000.0))
        return sorted(lat), missing
