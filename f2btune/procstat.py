"""Reading a process's CPU time, memory and read bytes from /proc (no psutil needed)."""
import os

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid, children=True):
    """CPU seconds of ``pid``: all its threads (scheduler run time, ns precision, from
    /proc/PID/task/*/schedstat) plus its reaped children (e.g. forked actions, clock ticks).

    Falls back to utime + stime (clock ticks, 10 ms) where schedstat is missing.
    """
    with open("/proc/%d/stat" % pid) as f:
        data = f.read()
    fields = data[data.rindex(")") + 2:].split()
    # fields[0] is state (field 3): utime is field 14 -> index 11
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    kids = (cutime + cstime) / float(CLK_TCK) if children else 0.0
    try:
        ns = 0
        for tid in os.listdir("/proc/%d/task" % pid):
            ns += task_ns(pid, tid) or 0       # None: a thread that just ended
        if ns:
            return ns / 1e9 + kids
    except OSError:
        pass
    return (utime + stime) / float(CLK_TCK) + kids


def thread_cpu(pid):
    """{thread name: CPU seconds} of the threads of ``pid`` (fail2ban names its threads
    f2b/f.JAIL, f2b/a.JAIL, f2b/observer...; same-named threads are summed)."""
    out = {}
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return out
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                name = f.read().strip()
        except OSError:
            continue
        sec = task_cpu(pid, tid)
        if sec is not None:
            out[name] = out.get(name, 0.0) + sec
    return out


def task_ns(pid, tid):
    """Scheduler run time in ns of thread ``tid`` of ``pid``; None when it is gone."""
    try:
        with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def task_cpu(pid, tid):
    """CPU seconds of thread ``tid`` of ``pid``; None when it is gone."""
    ns = task_ns(pid, tid)
    return None if ns is None else ns / 1e9


def memory_mb(pid):
    """(current RSS, peak RSS) in MiB from /proc/PID/status."""
    rss = hwm = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    return rss / 1024.0, hwm / 1024.0


def read_bytes(pid):
    """Bytes the process read through read()/pread() so far (/proc/PID/io rchar)."""
    with open("/proc/%d/io" % pid) as f:
        for line in f:
            if line.startswith("rchar:"):
                return int(line.split()[1])
    return 0


def alive(pid):
    return os.path.exists("/proc/%d/stat" % pid)
