"""Throw-away network namespaces for tests, benchmarks and ``--netns``: create, run inside, delete.

Everything here acts only inside namespaces it is given or creates; nothing touches the
firewall of the namespace the caller runs in.
"""
import ctypes
import ctypes.util
import multiprocessing
import os
import subprocess

from f2btune.errors import DependencyError, UsageError

CLONE_NEWNET = 0x40000000
NETNS_DIR = "/run/netns"


def _ip(*args, check=True):
    try:
        p = subprocess.run(("ip",) + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True)
    except FileNotFoundError:
        raise DependencyError("the ip command (iproute2) is not installed")
    if check and p.returncode:
        raise DependencyError("ip %s: %s" % (" ".join(args), p.stderr.strip()))
    return p


def exists(name):
    return os.path.exists(os.path.join(NETNS_DIR, name))


def check_name(name):
    if not name or "/" in name or name.startswith(".") or len(name) > 200:
        raise UsageError("bad network namespace name %r" % name)
    return name


def enter(name):
    """Move the calling process (a single-threaded child) into namespace ``name``."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    fd = os.open(os.path.join(NETNS_DIR, check_name(name)), os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, "setns(%s): %s" % (name, os.strerror(e)))
    finally:
        os.close(fd)


def exec_args(name, args):
    """``args`` prefixed to run inside namespace ``name`` (or unchanged for None)."""
    return list(args) if not name else ["ip", "netns", "exec", check_name(name)] + list(args)


def run(name, args, check=True, input=None, env=None):
    """Run ``args`` inside namespace ``name`` (environment ``env``); returns CompletedProcess (text)."""
    p = subprocess.run(exec_args(name, args), input=input, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True, env=env)
    if check and p.returncode:
        raise DependencyError("%s: %s" % (" ".join(args), (p.stderr or p.stdout).strip()))
    return p


class Netns(object):
    """A namespace that exists for the lifetime of a ``with`` block (loopback up)."""

    def __init__(self, name):
        self.name = check_name(name)

    def __enter__(self):
        self.create()
        return self

    def __exit__(self, *exc):
        self.delete()

    def create(self):
        _ip("netns", "add", self.name)
        _ip("-n", self.name, "link", "set", "lo", "up")
        return self

    def delete(self):
        if exists(self.name):
            # kill what still runs inside, then remove the namespace
            p = _ip("netns", "pids", self.name, check=False)
            for pid in p.stdout.split():
                try:
                    os.kill(int(pid), 9)
                except (OSError, ValueError):
                    pass
            _ip("netns", "delete", self.name, check=False)

    def run(self, args, check=True, input=None, env=None):
        return run(self.name, args, check=check, input=input, env=env)

    def pool(self):
        """A one-worker ``fork`` pool whose worker lives inside this namespace."""
        return multiprocessing.get_context("fork").Pool(1, initializer=enter, initargs=(self.name,))


def veth(ns_a, ns_b, if_a, if_b, addrs_a=(), addrs_b=()):
    """Join two namespaces with a veth pair, give addresses (CIDR strings), bring links up."""
    _ip("link", "add", if_a, "type", "veth", "peer", "name", if_b)
    for ns, ifname, addrs in ((ns_a, if_a, addrs_a), (ns_b, if_b, addrs_b)):
        _ip("link", "set", ifname, "netns", ns)
        for addr in addrs:
            extra = ("nodad",) if ":" in addr else ()
            _ip("-n", ns, "addr", "add", addr, "dev", ifname, *extra)
        _ip("-n", ns, "link", "set", ifname, "up")


_SYN_SCRIPT = """
import errno, socket, sys, time
addr, port, count, interval = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
src = sys.argv[5] if len(sys.argv) > 5 else None
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
socks = []
for i in range(count):
    s = socket.socket(fam, socket.SOCK_STREAM)
    if src:
        s.bind((src, 0))
    s.setblocking(False)
    s.connect_ex((addr, port))      # one SYN, no waiting for the answer
    socks.append(s)
    if interval:
        time.sleep(interval)
time.sleep(0.05)
for s in socks:
    s.close()
"""


def send_syns(name, addr, port, count, interval=0.0, src=None, python=None):
    """Send ``count`` TCP SYNs (real connect() attempts, not waited for) from namespace ``name``,
    from source address ``src`` if given."""
    import sys
    run(name, [python or sys.executable, "-c", _SYN_SCRIPT, addr, str(port), str(int(count)),
               str(float(interval))] + ([src] if src else []))


_PROBE_SCRIPT = """
import socket, sys
addr, port, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
src = sys.argv[4] if len(sys.argv) > 4 else None
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_STREAM)
if src:
    s.bind((src, 0))
s.settimeout(timeout)
try:
    s.connect((addr, port))
    print("open")
except ConnectionRefusedError:
    print("refused")
except socket.timeout:
    print("dropped")
"""


def probe(name, addr, port, timeout=1.5, src=None, python=None):
    """One connect() from namespace ``name``: "open", "refused" (RST) or "dropped" (no answer)."""
    import sys
    return run(name, [python or sys.executable, "-c", _PROBE_SCRIPT, addr, str(port), str(timeout)]
               + ([src] if src else [])).stdout.strip()
