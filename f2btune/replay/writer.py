"""The flood writer: appends flood lines to the log (or the journal), at a rate or as fast as it can.

Lines come from :func:`f2btune.flood.iter_kind`.  Each line gets the wall-clock stamp at the
moment it is written (as rsyslog or Apache would) and is written with one ``write()`` call.
Closed loop (``open_loop=False``): a line whose source is already banned (seen by the ban
watcher) is not written, as the DROP rule would have stopped the packet.  Open loop: banned
sources keep writing (spoofed or NATed sources), every line is written and must be read.
A source is due a ban by fail2ban's own rule (:mod:`.due`: maxretry failures within
findtime); the time of the failure that made it due is kept for the ban latency.

With ``journal`` set, each line becomes a journal export record stamped now (the line's
MESSAGE, the identifier and transport of the daemon that wrote it) written to that stream,
e.g. the stdin of ``systemd-journal-remote``.
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
            if self.fmt == "apache":
                self.base = time.strftime("[%a %b %d %H:%M:%S", tm)
                self.year = time.strftime("%Y]", tm)
            elif self.fmt == "rfc3339":
                off = tm.tm_gmtoff
                self.base = time.strftime("%Y-%m-%dT%H:%M:%S", tm)
                self.zone = "%s%02d:%02d" % ("+" if off >= 0 else "-", abs(off) // 3600, abs(off) % 3600 // 60)
            else:
                self.text = "%s %2d %s" % (_MONTHS[tm.tm_mon - 1], tm.tm_mday, time.strftime("%H:%M:%S", tm))
        if self.fmt == "rfc3339":
            return "%s.%06d%s" % (self.base, int((now - sec) * 1e6), self.zone)
        if self.fmt == "apache":
            return "%s.%06d %s" % (self.base, int((now - sec) * 1e6), self.year)
        return self.text


def stamp_len(fmt):
    return {"rfc3339": 32, "apache": 33}.get(fmt, 15)


def journal_record(body, now):
    """A journal export record for the part of a syslog line after its stamp (host tag[pid]: message)."""
    tag, _, msg = body.lstrip().split(" ", 1)[1].partition(": ")
    ident, _, pid = tag.partition("[")
    fields = ["__REALTIME_TIMESTAMP=%d" % int(now * 1e6), "_HOSTNAME=raspberrypi", "SYSLOG_IDENTIFIER=%s" % ident]
    if ident == "kernel":
        fields += ["_TRANSPORT=kernel", "PRIORITY=4", "SYSLOG_FACILITY=0"]
        msg = msg.split("] ", 1)[1] if msg.startswith("[") else msg      # no uptime in the journal
    else:
        fields += ["_TRANSPORT=syslog", "PRIORITY=6", "SYSLOG_FACILITY=4", "_PID=%s" % pid.rstrip("]"),
                   "_COMM=%s" % ident, "_SYSTEMD_UNIT=ssh.service"]
    fields.append("MESSAGE=%s" % msg)
    return "\n".join(fields) + "\n\n"


class FloodWriter(object):
    """Write ``records`` (FloodLine) to ``path`` at ``rate`` lines/s (None: as fast as possible)."""

    def __init__(self, path, records, maxretry, rate=None, fmt="syslog", open_loop=False, journal=None,
                 duration=None, findtime=None):
        from f2btune.replay.due import DueRule
        self.path = path
        # no findtime: every maxretry-th failure counts, however far apart
        self.due = DueRule(maxretry, findtime if findtime is not None else float("inf"),
                           whole_seconds=fmt == "syslog" and journal is None)
        self.open_loop = open_loop
        self.journal = journal        # a binary stream taking export records, or None
        self.duration = duration      # stop after this many seconds (None: when records run out)
        self.records = records
        self.maxretry = maxretry
        self.rate = rate
        self.fmt = fmt
        self.banned = {}              # address -> epoch the ban became visible (watcher thread)
        self.nth_time = {}            # address -> epoch of the failure that made its ban due
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
        if self.journal is not None:
            fd = None
            jfd = self.journal.fileno()
        else:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        banned, nth, due = self.banned, self.nth_time, self.due.add
        now = time.time
        interval = 1.0 / self.rate if self.rate else 0.0
        self.started = t0 = now()
        stop_at = t0 + self.duration if self.duration else None
        drop = not self.open_loop
        try:
            for rec in self.records:
                self.offered += 1
                src = rec.src
                key = None
                if src is not None:
                    key = self.norm(src)
                    if drop and key in banned:
                        self.dropped += 1
                        continue
                if interval:
                    delay = t0 + self.written * interval - now()
                    if delay > 0:
                        time.sleep(delay)
                t = now()
                if stop_at and t >= stop_at:
                    break
                if fd is None:
                    data = journal_record(rec.text[cut:], t).encode("utf-8", "replace")
                    os.write(jfd, data)
                else:
                    data = (stamper(t) + rec.text[cut:] + "\n").encode("utf-8", "replace")
                    os.write(fd, data)
                self.written += 1
                self.bytes += len(data)
                if key is not None:
                    self.failure_lines += 1
                    if rec.fails and due(key, t, rec.fails) and key not in nth:
                        nth[key] = t
                else:
                    self.noise_lines += 1
        finally:
            if fd is not None:
                os.close(fd)
            self.finished = now()
            self.done.set()

    def latencies_ms(self):
        """Ban latencies (ms) of sources due a ban that got banned; and the count of those not banned."""
        lat, missing = [], 0
        for key, t in self.nth_time.items():
            b = self.banned.get(key)
            if b is None:
                missing += 1
            else:
                lat.append(max(0.0, (b - t) * 1000.0))
        return sorted(lat), missing
