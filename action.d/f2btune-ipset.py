# Fail2Ban action file: f2btune-ipset.py (part of f2btune, GPL-2.0-or-later)
#
# Bans into one ipset (hash:ip, with kernel timeouts) per address family, over
# netlink: no process is spawned per ban (sets are managed with pyroute2; each
# ban/unban is one hand-packed netlink message, ~25 us).  At start the sets are
# created if missing and hooked into the firewall with ONE rule per family
# (iptables / ip6tables); at stop the rules are removed and the sets destroyed.
#
# Usage in a jail (all parameters optional):
#
#   action = f2btune-ipset.py[port="ssh", protocol=tcp, blocktype=DROP, refresh=true]
#   banaction = f2btune-ipset.py          (the stock action_* shortcuts then work)
#
# Parameters (keyword arguments from the jail line):
#   name       set name stem; sets are f2bt-<name> and f2bt6-<name> (default: jail name)
#   port       ports to block, iptables multiport syntax ("22,80", "ssh", "1000:2000");
#              empty, "all", "any" or "0:65535" = every port (default: all)
#   protocol   tcp | udp | all (default: tcp; "all" also drops every port)
#   chain      iptables chain the hook goes to (default: INPUT)
#   blocktype  iptables target (default: DROP); a REJECT with an icmp-* type gets
#              the icmp6-* equivalent for IPv6
#   refresh    true | false (default false): a packet from a banned source re-arms its
#              kernel timeout (iptables SET --exist --timeout <refreshtime>), so an
#              attacker that keeps trying stays banned in the kernel; fail2ban's own
#              unban at expiry then leaves the entry to the kernel
#   refreshtime  seconds used by the refresh rule (default: the jail's bantime)
#   maxelem    maximum entries per set (default 65536)
#   iptables, ip6tables  binaries used at start/stop (default: found in PATH)
#
# Kernel timeout of an entry = the ban's REMAINING time (time + bantime - now): a
# ban restored from fail2ban's database after a restart ends when fail2ban ends
# it, not a full bantime later.  bantime = -1 means no kernel timeout; timeouts
# are capped at ipset's maximum, 2147483 s.  prolong() (bantime.increment)
# re-arms the kernel timeout with the longer ban.  Restored bans at start are
# added in batches (one netlink message per 1000 entries).
#
# When the kernel refuses a ban (set full, missing kernel support, no privilege)
# the action logs ONE error naming the address, keeps it in a retry queue and
# re-tries on later bans and on fail2ban's consistency checks; the jail keeps
# running and the ban is never silently lost.  A set destroyed behind fail2ban's
# back (firewall reload) is re-created, with its rules, on the next ban.
#
# Requirements: python3-pyroute2 (Debian), the ip_set / xt_set kernel modules,
# iptables / ip6tables (nft or legacy backend), root (CAP_NET_ADMIN).
# The file is self-contained: it does not import the f2btune package, so it
# works wherever fail2ban loads it (Debian package, venv or a bare copy).

import errno
import math
import os
import re
import shlex
import shutil
import socket
import subprocess
import threading
import time

from fail2ban.server.actions import ActionBase

IPSET_MAX_TIMEOUT = 2147483          # ipset rejects larger timeouts
IPSET_MAXNAMELEN = 31
ERR_HASH_FULL = 4352                 # IPSET_ERR_HASH_FULL (IPSET_ERR_TYPE_SPECIFIC)
ERR_EXIST = 4103                     # IPSET_ERR_EXIST
BATCH = 1000                         # entries per netlink message on bulk adds
RESTORE_DELAY = 0.2                  # s: restored bans are gathered this long, then bulk-added
RETRY_INTERVAL = 10.0                # s: minimum gap between retries of refused bans
TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off", "")
ALL_PORTS = ("", "all", "any", "0:65535", "1:65535")


def kernel_timeout(start, bantime, now):
    """ipset timeout (s) for a ban that started at ``start`` and lasts ``bantime`` s.

    0 means permanent (bantime -1), None means the ban is already over.  The
    remaining time is rounded up, so the kernel never unbans before fail2ban,
    and capped at ipset's limit.
    """
    bantime = float(bantime)
    if bantime < 0:
        return 0
    remaining = float(start) + bantime - float(now)
    if remaining <= 0:
        return None
    return min(int(math.ceil(remaining)), IPSET_MAX_TIMEOUT)


def parse_bool(name, value):
    v = str(value).strip().lower()
    if v in TRUE:
        return True
    if v in FALSE:
        return False
    raise ValueError("f2btune-ipset: %s must be true or false, not %r" % (name, value))


def parse_int(name, value, low, high):
    try:
        v = int(str(value).strip())
    except ValueError:
        raise ValueError("f2btune-ipset: %s must be an integer, not %r" % (name, value))
    if not low <= v <= high:
        raise ValueError("f2btune-ipset: %s must be between %d and %d, not %d" % (name, low, high, v))
    return v


def set_names(stem):
    """(IPv4 set, IPv6 set) names for a name stem; ValueError when too long or odd."""
    stem = str(stem).strip()
    if not stem or any(c.isspace() or c in "'\"\\,;$`" for c in stem):
        raise ValueError("f2btune-ipset: bad name %r" % stem)
    names = ("f2bt-" + stem, "f2bt6-" + stem)
    if len(names[1]) > IPSET_MAXNAMELEN:
        raise ValueError("f2btune-ipset: name %r is too long (ipset names have at most %d "
                         "characters; pass a shorter name=)" % (stem, IPSET_MAXNAMELEN - 6))
    return names


def hook_rule(family, setname, chain, protocol, port, blocktype):
    """The one iptables rule (argument list after -I/-D/-C) hooking ``setname``."""
    rule = [chain]
    if protocol != "all":
        rule += ["-p", protocol]
        if port.lower() not in ALL_PORTS:
            rule += ["-m", "multiport", "--dports", port]
    rule += ["-m", "set", "--match-set", setname, "src", "-j"]
    target = shlex.split(blocktype)
    if family == 6:
        target = [t.replace("icmp-", "icmp6-") if t.startswith("icmp-") else t for t in target]
        target = ["icmp6-adm-prohibited" if t == "icmp6-admin-prohibited" else t for t in target]
    return rule + target


def refresh_rule(setname, chain, timeout):
    """Rule re-arming a banned source's timeout on each packet (placed before the hook)."""
    return [chain, "-m", "set", "--match-set", setname, "src",
            "-j", "SET", "--add-set", setname, "src", "--exist", "--timeout", str(timeout)]


class KernelError(Exception):
    """The kernel (or a missing tool) refused an operation; the message says why."""

    def __init__(self, message, gone=False):
        Exception.__init__(self, message)
        self.gone = gone        # the set does not exist (any more)


def explain(exc, setname=None):
    """A one-line reason for a netlink/ipset failure."""
    code = getattr(exc, "code", None)
    if code is None and exc.args and isinstance(exc.args[0], int):
        code = exc.args[0]
    if code == ERR_HASH_FULL:
        return "ipset %s is full (maxelem reached)" % setname
    if code in (errno.EPERM, errno.EACCES):
        return "not permitted (needs root / CAP_NET_ADMIN)"
    if code in (errno.EPROTONOSUPPORT, errno.ENOENT, 4098):
        return "ipset kernel support missing (modules ip_set, ip_set_hash_ip) or set %s gone" % setname
    return "%s" % (exc,)


class FastAdt(object):
    """The per-ban hot path: ipset ADD/DEL as one hand-packed netlink message on a raw socket.

    pyroute2's generic message encoder costs ~100 us per message; this costs a few us.  Only
    ADD/DEL of one address (with an optional timeout) are done here; set management and bulk
    restores go through pyroute2.
    """

    NETLINK_NETFILTER = 12
    SUBSYS_IPSET = 6
    CMD_ADD, CMD_DEL = 9, 10
    F_REQUEST, F_ACK = 0x1, 0x4
    NLMSG_ERROR = 2
    NESTED, NETORDER = 0x8000, 0x4000

    def __init__(self, proto_version):
        import struct
        self._pack = struct.pack
        self._unpack_from = struct.unpack_from
        self._proto = self._attr(1, self._pack("B", proto_version))
        self._sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, self.NETLINK_NETFILTER)
        self._sock.bind((0, 0))
        self._seq = 0
        self._names = {}

    def _attr(self, atype, payload):
        n = 4 + len(payload)
        return self._pack("=HH", n, atype) + payload + b"\0" * ((4 - n % 4) % 4)

    def _data(self, ip, family, timeout):
        if family == 6:
            addr = self._attr(2 | self.NETORDER, socket.inet_pton(socket.AF_INET6, ip))
        else:
            addr = self._attr(1 | self.NETORDER, socket.inet_pton(socket.AF_INET, ip))
        data = self._attr(1 | self.NESTED, addr)
        if timeout is not None:
            data += self._attr(6 | self.NETORDER, self._pack(">I", timeout))
        return self._attr(7 | self.NESTED, data)

    def _name(self, setname):
        name = self._names.get(setname)
        if name is None:
            name = self._names[setname] = self._attr(2, setname.encode() + b"\0")
        return name

    def request(self, cmd, setname, ip, family, timeout=None):
        """Send one ADD/DEL; returns 0 or the kernel's (positive) error code."""
        return self._send(cmd, self._name(setname) + self._data(ip, family, timeout))

    def add_many(self, setname, family, entries):
        """ADD [(ip, timeout)] (at most ~1500) in ONE message (an ADT list, as `ipset restore` does)."""
        adt = b"".join(self._data(ip, family, t) for ip, t in entries)
        # the kernel wants a line number (u32) with an ADT list
        return self._send(self.CMD_ADD, self._name(setname) + self._attr(9, self._pack("=I", 0))
                          + self._attr(8 | self.NESTED, adt))

    def _send(self, cmd, attrs):
        body = self._pack("=BBH", socket.AF_INET, 0, 0) + self._proto + attrs
        self._seq = (self._seq + 1) & 0x7fffffff
        self._sock.send(self._pack("=IHHII", 16 + len(body), (self.SUBSYS_IPSET << 8) | cmd,
                                   self.F_REQUEST | self.F_ACK, self._seq, 0) + body)
        while True:
            buf = self._sock.recv(65536)
            off = 0
            while off + 16 <= len(buf):
                length, mtype, _, seq, _ = self._unpack_from("=IHHII", buf, off)
                if mtype == self.NLMSG_ERROR and seq == self._seq:
                    return -self._unpack_from("=i", buf, off + 16)[0]
                off += max(16, (length + 3) & ~3)

    def close(self):
        self._sock.close()


class Kernel(object):
    """The netlink side: ipset create/add/del/flush/destroy through pyroute2, thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self._ipset = None
        self._fast = None

    def _sock(self):
        if self._ipset is None:
            try:
                from pyroute2.ipset import IPSet
            except ImportError:
                raise KernelError("python3-pyroute2 is not installed")
            try:
                self._ipset = IPSet()
                self._fast = FastAdt(self._ipset._proto_version)
            except Exception as e:
                self._ipset = None
                raise KernelError("cannot open the ipset netlink socket: %s" % explain(e))
        return self._ipset

    def close(self):
        with self._lock:
            if self._ipset is not None:
                try:
                    self._ipset.close()
                    self._fast.close()
                finally:
                    self._ipset = self._fast = None

    def _adt(self, cmd, name, ip, family, timeout=None):
        self._sock()
        try:
            code = self._fast.request(cmd, name, ip, family, timeout)
        except (OSError, ValueError) as e:
            raise KernelError(explain(e, name))
        if code and not (cmd == FastAdt.CMD_DEL and code == ERR_EXIST):
            raise KernelError(explain(OSError(code, os.strerror(code) if code < 4096 else
                                              "ipset error %d" % code), name),
                              gone=code == errno.ENOENT)

    def ensure_set(self, name, family, maxelem):
        with self._lock:
            s = self._sock()
            fam = socket.AF_INET6 if family == 6 else socket.AF_INET
            try:
                s.create(name, stype="hash:ip", family=fam, exclusive=False,
                         maxelem=maxelem, timeout=600)
            except Exception as e:
                raise KernelError("cannot create ipset %s: %s" % (name, explain(e, name)))

    def exists(self, name):
        with self._lock:
            try:
                self._sock().headers(name)
                return True
            except KernelError:
                raise
            except Exception:
                return False

    def add(self, name, ip, family, timeout):
        with self._lock:
            self._adt(FastAdt.CMD_ADD, name, ip, family, timeout)

    def add_many(self, name, family, entries):
        """Add [(ip, timeout)] with one netlink message per BATCH entries.

        Returns the entries that could not be added (they are then retried singly
        by the caller, so one bad entry does not lose the rest of its batch).
        """
        failed = []
        with self._lock:
            self._sock()
            for k in range(0, len(entries), BATCH):
                chunk = entries[k:k + BATCH]
                try:
                    code = self._fast.add_many(name, family, chunk)
                except (OSError, ValueError):
                    code = -1
                if code:
                    failed.extend(chunk)
        return failed

    def delete(self, name, ip, family):
        with self._lock:
            self._adt(FastAdt.CMD_DEL, name, ip, family)

    def flush(self, name):
        with self._lock:
            try:
                self._sock().flush(name)
            except KernelError:
                raise
            except Exception as e:
                raise KernelError(explain(e, name))

    def destroy(self, name):
        with self._lock:
            try:
                self._sock().destroy(name)
            except KernelError:
                raise
            except Exception as e:
                code = getattr(e, "code", None)
                if code in (errno.ENOENT, 4103):
                    return
                raise KernelError("cannot destroy ipset %s: %s" % (name, explain(e, name)))


class Firewall(object):
    """The hook rules, one per family, added/removed with iptables/ip6tables (start/stop only)."""

    def __init__(self, iptables, ip6tables):
        self.binaries = {4: iptables, 6: ip6tables}

    def _run(self, family, args):
        exe = self.binaries[family]
        path = shutil.which(exe) or (exe if os.path.isabs(exe) and os.access(exe, os.X_OK) else None)
        if not path:
            raise KernelError("%s not found (install the iptables package)" % exe)
        p = subprocess.run([path, "-w"] + args, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True)
        return p.returncode, p.stdout.strip()

    def ensure(self, family, rule, first=True):
        rc, _ = self._run(family, ["-C"] + rule)
        if rc == 0:
            return
        rc, out = self._run(family, (["-I", rule[0], "1"] if first else ["-A", rule[0]]) + rule[1:])
        if rc:
            raise KernelError("%s could not add %r: %s" % (self.binaries[family], " ".join(rule), out))

    def remove(self, family, rule):
        # delete every copy (a crashed server may have left one behind)
        for _ in range(16):
            rc, _ = self._run(family, ["-D"] + rule)
            if rc:
                return


class F2btuneIpset(ActionBase):
    """fail2ban action banning into kernel ipsets over netlink (see the file header)."""

    def __init__(self, jail, *args, **options):
        # fail2ban calls Action(jail, actname, **options): the action's own name comes
        # positionally, so a jail's name= option (the set name stem) lands in options
        super(F2btuneIpset, self).__init__(jail, args[0] if args else "f2btune-ipset")
        known = dict(name=None, port="", protocol="tcp", chain="INPUT", blocktype="DROP",
                     refresh="false", refreshtime=None, maxelem="65536",
                     iptables="iptables", ip6tables="ip6tables")
        for key in sorted(set(options) - set(known)):
            # jail.conf's action_* shortcuts may pass keys this action does not use
            self._logSys.debug("f2btune-ipset: ignoring parameter %s=%r", key, options[key])
        known.update((k, v) for k, v in options.items() if k in known)
        stem = known["name"] or getattr(jail, "name", None) or self._name
        port, protocol, chain = known["port"], known["protocol"], known["chain"]
        blocktype, refresh, refreshtime = known["blocktype"], known["refresh"], known["refreshtime"]
        maxelem, iptables, ip6tables = known["maxelem"], known["iptables"], known["ip6tables"]
        self.sets = dict(zip((4, 6), set_names(stem)))
        self.port = str(port or "").strip()
        self.protocol = str(protocol or "tcp").strip().lower()
        if self.protocol not in ("tcp", "udp", "sctp", "udplite", "all"):
            raise ValueError("f2btune-ipset: protocol must be tcp, udp, sctp, udplite or all, "
                             "not %r" % protocol)
        if any(c.isspace() or c in "'\"\\;$`" for c in self.port):
            raise ValueError("f2btune-ipset: bad port %r" % port)
        self.chain = str(chain or "INPUT").strip()
        if not re.match(r"^[A-Za-z0-9_.-]{1,28}$", self.chain):
            # e.g. "<known/chain>": jail.conf's tag is interpolated only for command actions
            raise ValueError("f2btune-ipset: bad chain %r" % chain)
        self.blocktype = str(blocktype or "DROP").strip()
        if not self.blocktype:
            raise ValueError("f2btune-ipset: blocktype must not be empty")
        self.refresh = parse_bool("refresh", refresh)
        self.refreshtime = (None if refreshtime in (None, "") else
                            parse_int("refreshtime", refreshtime, 1, IPSET_MAX_TIMEOUT))
        self.maxelem = parse_int("maxelem", maxelem, 1, 2 ** 31 - 1)
        self.kernel = Kernel()
        self.firewall = Firewall(str(iptables), str(ip6tables))
        self.started = False
        self.norestored = False          # restored bans must reach the (possibly new) kernel
        self._pending = {}               # ip -> (family, end or -1): bans the kernel refused
        self._restore = {4: [], 6: []}   # restored bans gathered for one bulk add
        self._restore_lock = threading.Lock()
        self._restore_timer = None
        self._last_retry = 0.0
        self._last_start_error = None

    # -- life cycle -------------------------------------------------------------------------

    def _rules(self, family):
        setname = self.sets[family]
        rules = [hook_rule(family, setname, self.chain, self.protocol, self.port, self.blocktype)]
        if self.refresh:
            rules.insert(0, refresh_rule(setname, self.chain, self._refreshtime()))
        return rules

    def _refreshtime(self):
        if self.refreshtime:
            return self.refreshtime
        try:
            bt = int(self._jail.actions.getBanTime())
        except Exception:
            bt = 600
        return min(bt, IPSET_MAX_TIMEOUT) if bt > 0 else 0

    def _setup(self):
        for family in (4, 6):
            self.kernel.ensure_set(self.sets[family], family, self.maxelem)
        for family in (4, 6):
            # insert in reverse so the refresh rule ends up before the hook
            for rule in reversed(self._rules(family)):
                self.firewall.ensure(family, rule)
        self.started = True

    def start(self):
        try:
            self._setup()
            self._last_start_error = None
        except KernelError as e:
            self.started = False
            self._last_start_error = str(e)
            self._logSys.error("[%s] f2btune-ipset cannot start: %s; bans are kept by fail2ban "
                               "and applied when the kernel accepts them",
                               self._jail.name, e)

    def stop(self):
        self._flush_restored()
        errors = []
        for family in (4, 6):
            for rule in self._rules(family):
                try:
                    self.firewall.remove(family, rule)
                except KernelError as e:
                    errors.append(str(e))
            try:
                self.kernel.destroy(self.sets[family])
            except KernelError as e:
                errors.append(str(e))
        self.kernel.close()
        self.started = False
        if errors:
            self._logSys.error("[%s] f2btune-ipset stop: %s", self._jail.name, "; ".join(errors))

    def flush(self):
        """Empty both sets at once (fail2ban then skips the per-address unbans)."""
        self._flush_restored()
        self._pending.clear()
        for family in (4, 6):
            if self.started:
                self.kernel.flush(self.sets[family])
        return True

    def consistencyCheck(self, _beforeRepair=None):
        """fail2ban calls this when a banned address still shows up: re-create what is missing."""
        try:
            if not (self.started and all(self.kernel.exists(s) for s in self.sets.values())):
                self._setup()
                self._logSys.warning("[%s] f2btune-ipset: sets or rules were missing, re-created",
                                     self._jail.name)
        except KernelError as e:
            self._logSys.error("[%s] f2btune-ipset: %s", self._jail.name, e)
            return False
        self._retry(force=True)
        return True

    # -- bans -------------------------------------------------------------------------------

    @property
    def _prolongable(self):
        return True

    @staticmethod
    def _target(aInfo):
        ip = aInfo["ip"]
        family = 6 if getattr(ip, "isIPv6", False) or ":" in str(ip) else 4
        bantime = float(aInfo["bantime"])
        end = -1 if bantime < 0 else float(aInfo["time"]) + bantime
        return str(ip), family, end

    @staticmethod
    def _timeout(end, now=None):
        if end == -1:
            return 0
        return kernel_timeout(end, 0, time.time() if now is None else now)

    def ban(self, aInfo):
        ip, family, end = self._target(aInfo)
        timeout = self._timeout(end)
        if timeout is None:
            return      # already over: fail2ban unbans it at once
        if aInfo["restored"]:
            self._queue_restored(ip, family, end)
            return
        self._flush_restored()
        self._apply(ip, family, end, timeout)
        self._retry()

    def prolong(self, aInfo):
        """bantime.increment made the ban longer: re-arm the kernel timeout."""
        self.ban(aInfo)

    def reban(self, aInfo):
        return self.ban(aInfo)

    def unban(self, aInfo):
        ip, family, end = self._target(aInfo)
        self._flush_restored()
        self._pending.pop(ip, None)
        if self.refresh and end != -1 and end <= time.time() + 1:
            # natural expiry: the kernel drops the entry itself, later if the source kept
            # sending (refresh); an early unban (unbanip, flush) still deletes it below
            return
        if not self.started and not self._try_start():
            return
        try:
            self.kernel.delete(self.sets[family], ip, family)
        except KernelError as e:
            self._logSys.error("[%s] f2btune-ipset: unban of %s failed: %s",
                               self._jail.name, ip, e)

    # -- internals ---------------------------------------------------------------------------

    def _try_start(self):
        now = time.time()
        if now - self._last_retry < RETRY_INTERVAL and self._last_start_error:
            return False
        self._last_retry = now
        try:
            self._setup()
            self._logSys.warning("[%s] f2btune-ipset: kernel sets ready now", self._jail.name)
            self._last_start_error = None
            return True
        except KernelError as e:
            self._last_start_error = str(e)
            return False

    def _apply(self, ip, family, end, timeout):
        if not self.started and not self._try_start():
            self._refused(ip, family, end, self._last_start_error)
            return False
        try:
            self.kernel.add(self.sets[family], ip, family, timeout)
        except KernelError as e:
            if not (e.gone and self._recreate()):
                self._refused(ip, family, end, str(e))
                return False
            try:
                self.kernel.add(self.sets[family], ip, family, timeout)
            except KernelError as e:
                self._refused(ip, family, end, str(e))
                return False
        self._pending.pop(ip, None)
        return True

    def _recreate(self):
        """The set vanished (ipset destroy, firewall reload): rebuild sets and rules once."""
        self.started = False
        self._last_start_error = None
        if self._try_start():
            self._logSys.warning("[%s] f2btune-ipset: sets or rules had vanished, re-created",
                                 self._jail.name)
            return True
        return False

    def _refused(self, ip, family, end, reason):
        first = ip not in self._pending
        self._pending[ip] = (family, end)
        if first:
            self._logSys.error("[%s] f2btune-ipset: ban of %s NOT applied in the kernel: %s "
                               "(%d ban(s) waiting; retried on later bans and consistency "
                               "checks)", self._jail.name, ip, reason, len(self._pending))

    def _retry(self, force=False):
        if not self._pending:
            return
        now = time.time()
        if not force and now - self._last_retry < RETRY_INTERVAL:
            return
        self._last_retry = now
        waiting = list(self._pending.items())
        done = 0
        for ip, (family, end) in waiting:
            timeout = self._timeout(end, now)
            if timeout is None:
                self._pending.pop(ip, None)
                continue
            if not self.started:
                try:
                    self._setup()
                except KernelError:
                    return
            try:
                self.kernel.add(self.sets[family], ip, family, timeout)
            except KernelError:
                break       # still refused: keep the rest for the next retry
            self._pending.pop(ip, None)
            done += 1
        if done:
            self._logSys.warning("[%s] f2btune-ipset: %d refused ban(s) applied on retry, "
                                 "%d still waiting", self._jail.name, done, len(self._pending))

    def _queue_restored(self, ip, family, end):
        with self._restore_lock:
            self._restore[family].append((ip, end))
            if self._restore_timer is None:
                self._restore_timer = threading.Timer(RESTORE_DELAY, self._flush_restored)
                self._restore_timer.daemon = True
                self._restore_timer.start()
            full = sum(len(v) for v in self._restore.values()) >= BATCH
        if full:
            self._flush_restored()

    def _flush_restored(self):
        with self._restore_lock:
            batches, self._restore = self._restore, {4: [], 6: []}
            timer, self._restore_timer = self._restore_timer, None
        if timer is not None:
            timer.cancel()
        if not any(batches.values()):
            return
        now = time.time()
        for family, items in batches.items():
            entries = [(ip, self._timeout(end, now)) for ip, end in items]
            entries = [(ip, t) for ip, t in entries if t is not None]
            if not entries:
                continue
            ends = dict(items)
            if not self.started and not self._try_start():
                for ip, _ in entries:
                    self._refused(ip, family, ends[ip], self._last_start_error)
                continue
            for ip, t in self.kernel.add_many(self.sets[family], family, entries):
                # a batch was refused: add its entries one by one to find the bad ones
                self._apply(ip, family, ends[ip], t)
            self._logSys.info("[%s] f2btune-ipset: %d restored ban(s) added to %s in bulk",
                              self._jail.name, len(entries), self.sets[family])


Action = F2btuneIpset
