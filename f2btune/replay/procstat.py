"""Reading a process's CPU time, memory and read bytes from /proc (no psutil needed)."""
import os

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid, children=True):
    """user + system CPU seconds of ``pid`` (plus its reaped children, e.g. forked actions)."""
    with open("/proc/%d/stat" % pid) as f:
        data = f.read()
    fields = data[data.rindex(")") + 2:].split()
    # fields[0] is state (field 3): utime is field 14 -> index 11
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    total = utime + stime + ((cutime + cstime) if children else 0)
    return total / float(CLK_TCK)


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
