"""A jail's own log, sampled: the last lines of its first log file and what its filter finds there.

The sample feeds the checks that depend on traffic (is this a busy jail? does an explicit
datepattern fit?).  The jail's filter is a real fail2ban ``Filter`` built from the same command
stream the server would get.
"""
import os
import stat

from f2btune.files import not_regular

SAMPLE_BYTES = 512 * 1024
SAMPLE_LINES = 5000
HUGE_BYTES = 1 << 30   # a log this big is noted: only its tail is sampled
BUSY_FAILURES_PER_S = 1.0   # one failure per second sustained makes a jail "busy"


class Sample:
    """Up to SAMPLE_LINES last lines of ``path``."""

    def __init__(self, path, lines):
        self.path = path
        self.lines = lines


class Volume:
    """What the jail's filter found in a sample: failures, distinct ids, time span."""

    def __init__(self, lines, failures, ids, first, last, bans):
        self.lines = lines
        self.failures = failures
        self.ids = ids
        self.span = (last - first) if (first is not None and last is not None) else 0.0
        self.bans = bans   # ids reaching maxretry at least once in the sample

    @property
    def failures_per_s(self):
        if self.failures < 2 or self.span <= 0:
            return 0.0
        return self.failures / self.span


def read_tail(path, max_bytes=SAMPLE_BYTES, max_lines=SAMPLE_LINES):
    """The last complete lines of a (possibly huge, possibly binary-ish) regular log file: at most
    ``max_bytes`` are read; OSError for anything but a regular file (checked before opening, and
    on the open file, non-blocking)."""
    why = not_regular(path)
    if why:
        raise OSError("%s is %s" % (path, why))
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):   # replaced between the two looks
            raise OSError("%s is not a regular file" % path)
        size = st.st_size
        f.seek(max(0, size - max_bytes))
        data = f.read(min(size, max_bytes))
    lines = data.decode("utf-8", "replace").splitlines()
    if size > max_bytes and lines:
        lines = lines[1:]   # first line is cut
    return [l for l in lines[-max_lines:] if l.strip()]


def sample(jail):
    """A :class:`Sample` of the jail's first readable log file, or None."""
    if jail.uses_journal:
        return None
    for path in jail.logpaths:
        try:
            return Sample(path, read_tail(path))
        except (IOError, OSError):
            continue
    return None


def jail_filter(jail):
    """A real fail2ban Filter with the jail's failregex/prefregex/datepattern (no DNS)."""
    from fail2ban.server.filter import Filter
    from f2btune.f2b import apply_filter_commands
    flt = Filter(None)
    apply_filter_commands(flt, jail.filter_commands)
    flt.setUseDns("no")
    flt.checkFindTime = False
    return flt


def volume(jail, smp):
    """Run the jail's filter over a sample; None if there is no sample or the filter fails."""
    if smp is None or not smp.lines:
        return None
    try:
        flt = jail_filter(jail)
    except Exception:  # a filter the server rejects is reported as config-error elsewhere
        return None
    failures, counts, first, last = 0, {}, None, None
    for line in smp.lines:
        try:
            found = flt.processLine(line)
        except Exception:
            continue
        for item in found or ():
            fid, date = item[1], item[2]
            failures += 1
            counts[fid] = counts.get(fid, 0) + 1
            if date is not None:
                first = date if first is None else min(first, date)
                last = date if last is None else max(last, date)
    bans = sum(1 for n in counts.values() if n >= jail.maxretry)
    return Volume(len(smp.lines), failures, len(counts), first, last, bans)
