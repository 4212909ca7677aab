"""The measured window of one replay run, whatever reads the flood (fail2ban, sshguard, CrowdSec).

A *target* has ``pids()`` (the processes whose CPU counts), ``read_bytes()`` (log bytes
consumed so far, or None where reads are not visible, e.g. a memory-mapped journal) and fills
``writer.banned`` through its own ban watcher.  :func:`measure` waits until the target is
quiet, samples it every ``SAMPLE_S`` while the writer writes, waits until it has read
everything and banned every due source, and returns the result row and the lag curve.
"""
import math
import threading
import time

from f2btune.procstat import alive, cpu_seconds, memory_mb, read_bytes

SAMPLE_S = 0.05


def percentile(values, p):
    if not values:
        return None
    k = max(0, min(len(values) - 1, int(math.ceil(p / 100.0 * len(values))) - 1))   # nearest rank
    return values[k]


def total_cpu(pids):
    return sum(cpu_seconds(p) for p in pids)


def total_read(pids):
    return sum(read_bytes(p) for p in pids)


def peak_rss(pids):
    """Sum of the processes' peak RSS (MiB)."""
    out = 0.0
    for p in pids:
        try:
            out += memory_mb(p)[1]
        except OSError:
            pass
    return out


class Sampler(threading.Thread):
    """Samples the target every SAMPLE_S: (t, cpu s, bytes read or None, written bytes, written lines)."""

    def __init__(self, target, writer):
        threading.Thread.__init__(self, daemon=True)
        self.target, self.writer = target, writer
        self.samples = []
        self.stop_event = threading.Event()

    def sample(self):
        try:
            pids = self.target.pids()
            s = (time.time(), total_cpu(pids), self.target.read_bytes(), self.writer.bytes, self.writer.written)
        except OSError:
            return None
        self.samples.append(s)
        return s

    def run(self):
        while not self.stop_event.wait(SAMPLE_S):
            self.sample()


def wait_idle(pids, window=0.3, max_share=0.02, timeout=30.0):
    """Wait until ``pids`` used less than ``max_share`` of a CPU over ``window`` seconds.

    Returns the seconds waited, or None if they never went quiet within ``timeout``.
    """
    t0 = time.time()
    prev = total_cpu(pids)
    while time.time() - t0 < timeout:
        time.sleep(window)
        cur = total_cpu(pids)
        if cur - prev < window * max_share:
            return time.time() - t0
        prev = cur
    return None


def _r(v):
    return None if v is None else round(v, 2)


def _wait_caught_up(target, writer, sampler, first, limit):
    """Epoch at which the target had read everything written, or None (time limit)."""
    deadline = time.time() + min(limit, 600.0)
    avg = writer.bytes / float(writer.written or 1)
    while time.time() < deadline and all(alive(p) for p in target.pids()):
        s = sampler.samples[-1] if sampler.samples else first
        if first[2] is None:                      # reads not visible: wait until it is quiet
            if wait_idle(target.pids(), timeout=max(1.0, deadline - time.time())) is not None:
                return time.time()
            return None
        if s[2] - first[2] >= writer.bytes - avg / 2:
            return s[0]
        time.sleep(SAMPLE_S)
    return None


def _wait_bans(writer, limit, quiet=3.0):
    """Bans of sources that reached maxretry may still be on their way (a server banning
    thousands of sources takes a while): wait while they keep coming, within ``limit``."""
    deadline = time.time() + min(limit, 600.0)
    last_n, last_t = len(writer.banned), time.time()
    while time.time() < deadline and any(k not in writer.banned for k in writer.nth_time):
        time.sleep(0.05)
        n = len(writer.banned)
        if n != last_n:
            last_n, last_t = n, time.time()
        elif time.time() - last_t > quiet:
            break


def measure(target, writer, settle_s=None, say=None):
    """Run ``writer`` against ``target``; returns (row, lag samples [(t, lag lines or None)])."""
    settled = wait_idle(target.pids())
    sampler = Sampler(target, writer)
    first = sampler.sample()
    if first is None:
        raise OSError("cannot read /proc of %s" % target.label)
    sampler.start()
    wt = threading.Thread(target=writer.run, daemon=True)
    wt.start()
    wt.join()
    write_s = writer.finished - writer.started
    limit = settle_s if settle_s is not None else max(60.0, 30 * write_s)
    caught_up_at = _wait_caught_up(target, writer, sampler, first, limit)
    _wait_bans(writer, limit)
    time.sleep(0.2)
    last = sampler.sample()
    sampler.stop_event.set()
    sampler.join()
    pids = target.pids()
    cpu = last[1] - first[1]
    avg = writer.bytes / float(writer.written or 1)
    if caught_up_at or first[2] is None:
        processed = writer.written
    else:
        processed = min(writer.written, int((last[2] - first[2]) / avg))
    lat, unbanned = writer.latencies_ms()
    lag = [(s[0] - writer.started, None if s[2] is None else max(0.0, (s[3] - (s[2] - first[2])) / avg))
           for s in sampler.samples if s[0] >= writer.started]
    during = [l for t, l in lag if t <= write_s and l is not None]
    lags = [l for _, l in lag if l is not None]
    row = {
        "lines": writer.written,
        "cpu_s_per_10k_lines": round(cpu / max(1, processed) * 10000, 5),
        "lines_per_cpu_s": round(processed / cpu, 1) if cpu > 0 else None,
        "lines_processed": processed,
        "ban_latency_ms_p50": _r(percentile(lat, 50)),
        "ban_latency_ms_p99": _r(percentile(lat, 99)),
        "max_lag_lines": int(round(max(lags))) if lags else None,
        "peak_rss_mb": round(peak_rss(pids), 1),
        "cpu_s": round(cpu, 3),
        "window_s": round(last[0] - first[0], 3),
        "offered_lines": writer.offered,
        "failure_lines": writer.failure_lines,
        "noise_lines": writer.noise_lines,
        "dropped_banned_lines": writer.dropped,
        "bans": len(writer.banned),
        "sources_at_maxretry": len(writer.nth_time),
        "unbanned_at_end": unbanned,
        "maxretry": writer.maxretry,
        "write_s": round(write_s, 3),
        "write_rate": round(writer.written / write_s, 1) if write_s > 0 else None,
        "lag_end_of_write_lines": int(round(during[-1])) if during else (None if first[2] is None else 0),
        "catchup_s": round(caught_up_at - writer.finished, 3) if caught_up_at else None,
        "caught_up": caught_up_at is not None,
        "settled_s": round(settled, 3) if settled is not None else None,
    }
    return row, lag
