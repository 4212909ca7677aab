"""A CPU cap for the replayed server: cgroup v2 ``cpu.max`` where usable, else v1 CFS quota.

Debian machines booted without systemd often have a hybrid layout whose v2 tree has no cpu
controller; the v1 ``cpu`` hierarchy (``cpu.cfs_quota_us``) then does the same job.
"""
import os

from f2btune.errors import DependencyError, UsageError

CGROOT = "/sys/fs/cgroup"
PERIOD_US = 100000


def _v2_root():
    for root in (CGROOT, os.path.join(CGROOT, "unified")):
        ctl = os.path.join(root, "cgroup.controllers")
        try:
            with open(ctl) as f:
                if "cpu" in f.read().split():
                    return root
        except OSError:
            continue
    return None


def _v1_root():
    for name in ("cpu", "cpu,cpuacct"):
        root = os.path.join(CGROOT, name)
        if os.path.exists(os.path.join(root, "cpu.cfs_quota_us")):
            return root
    return None


def _write(path, value):
    with open(path, "w") as f:
        f.write(str(value))


class CpuQuota(object):
    """``percent`` of one CPU for the processes added to it; ``remove()`` deletes the group."""

    def __init__(self, name, percent):
        if not 1 <= percent <= 100 * (os.cpu_count() or 1):
            raise UsageError("--cpu-quota must be between 1 and %d (percent of one CPU)"
                             % (100 * (os.cpu_count() or 1)))
        if os.geteuid() != 0:
            raise DependencyError("--cpu-quota needs root (it creates a cgroup)")
        self.percent = percent
        quota = int(PERIOD_US * percent / 100.0)
        root = _v2_root()
        if root is not None:
            self.version = 2
            try:
                with open(os.path.join(root, "cgroup.subtree_control")) as f:
                    if "cpu" not in f.read().split():
                        _write(os.path.join(root, "cgroup.subtree_control"), "+cpu")
                self.path = os.path.join(root, name)
                os.makedirs(self.path, exist_ok=True)
                _write(os.path.join(self.path, "cpu.max"), "%d %d" % (quota, PERIOD_US))
                return
            except OSError:
                self._rmdir()
        root = _v1_root()
        if root is None:
            raise DependencyError("no usable cgroup CPU controller (neither v2 cpu.max nor v1 cpu.cfs_quota_us)")
        self.version = 1
        self.path = os.path.join(root, name)
        try:
            os.makedirs(self.path, exist_ok=True)
            _write(os.path.join(self.path, "cpu.cfs_period_us"), PERIOD_US)
            _write(os.path.join(self.path, "cpu.cfs_quota_us"), quota)
        except OSError as e:
            self._rmdir()
            raise DependencyError("cannot set up cgroup %s: %s" % (self.path, e))

    def add_pid(self, pid):
        _write(os.path.join(self.path, "cgroup.procs"), pid)

    def _rmdir(self):
        p = getattr(self, "path", None)
        if p and os.path.isdir(p):
            try:
                os.rmdir(p)
            except OSError:
                pass

    def remove(self):
        """Move what still runs in the group to its parent, then delete the group."""
        procs = os.path.join(self.path, "cgroup.procs")
        parent = os.path.join(os.path.dirname(self.path), "cgroup.procs")
        try:
            with open(procs) as f:
                pids = f.read().split()
            for pid in pids:
                try:
                    _write(parent, pid)
                except OSError:
                    pass
        except OSError:
            pass
        self._rmdir()

    def describe(self):
        return "cgroup v%d %s, %d%% of one CPU" % (self.version, self.path, self.percent)
