"""Kernel rules for SYN floods: per-source SYN rate limit, capped LOG for fail2ban, optional in-kernel ban.

:func:`build` returns a :class:`Ruleset` for ``iptables`` (iptables + ip6tables, plus ipset for the
in-kernel ban) or ``nft`` (one ``inet`` table), for IPv4 and IPv6 alike.  The same object prints
the commands (:meth:`Ruleset.text`) and applies them (:meth:`Ruleset.apply`), so what an admin
reads is exactly what ``--apply`` runs.  Applying is idempotent: f2btune's own chains (iptables)
or table (nft) are rebuilt from scratch and hooked into INPUT exactly once.  The options are
checked first, by :func:`f2btune.ruleoptions.check_options`.

iptables layout, per family::

    INPUT -p tcp [--dport P] -j F2BTUNE                     (the only rule in INPUT)
    F2BTUNE   [-m set --match-set f2btune-ban4 src -j DROP]  (in-kernel ban only)
              -p tcp --syn -m hashlimit --hashlimit-above RATE --hashlimit-burst N
                  --hashlimit-mode srcip ... -j F2BTUNE-X
    F2BTUNE-X [-j SET --add-set f2btune-ban4 src --exist --timeout S]
              -m limit --limit LOGRATE -j LOG --log-prefix PREFIX
              -j DROP

SYNs over the per-source rate are dropped and logged at most LOGRATE times per second in total,
so a flood cannot flood the log.  With ``in_kernel_ban`` the first excess SYN puts the source in
an ipset with a kernel timeout; later packets from it are dropped before anything is logged, so
the log gets one ``f2b-ban:`` line per ban (the filter's ``mode=ban``).

With ``verified`` no SYN is limited or logged; instead the first ACK of every completed TCP
handshake is counted per source and the excess logged with the verified prefix (the filter's
``mode=verified``): a spoofed source never completes a handshake, so it is never logged.  See
:mod:`f2btune.verified`.
"""
import shlex
import shutil
import subprocess

from f2btune import netns, verified
from f2btune.verified import MARK
from f2btune.errors import DependencyError, UsageError
from f2btune.ruleoptions import check_options

BACKENDS = ("iptables", "nft")
CHAIN = "F2BTUNE"
EXCESS = "F2BTUNE-X"
TABLE = "f2btune"
BANSET = {4: "f2btune-ban4", 6: "f2btune-ban6"}
HASHLIMIT = {4: "f2btune-syn4", 6: "f2btune-syn6"}     # at most 15 characters
IPT = {4: "iptables", 6: "ip6tables"}
ADDR = {4: ("ipv4_addr", "ip saddr"), 6: ("ipv6_addr", "ip6 saddr")}     # nft set type, match

ADVICE = """\
Also worth having (not applied by f2btune):
  - SYN cookies keep the listen queue usable during a flood; Debian enables them by default:
      sysctl net.ipv4.tcp_syncookies            (1 = on when the queue overflows)
  - SYNPROXY answers SYNs in the kernel so only completed handshakes reach the service, e.g.:
      iptables -t raw -I PREROUTING -p tcp --dport {port} --syn -j CT --notrack
      iptables -I INPUT -p tcp --dport {port} -m conntrack --ctstate INVALID,UNTRACKED \\
          -j SYNPROXY --sack-perm --timestamp --wscale 7 --mss 1460
      iptables -I INPUT -p tcp --dport {port} -m conntrack --ctstate INVALID -j DROP
      sysctl -w net.netfilter.nf_conntrack_tcp_loose=0
  - Logging from inside a container / network namespace needs, on the host:
      sysctl -w net.netfilter.nf_log_all_netns=1"""


class FirewallCommand(object):
    """One command; ``may_fail`` steps (create-if-missing, delete-if-present) ignore errors."""

    def __init__(self, argv, may_fail=False, stdin=None, comment=None, unless=None):
        self.argv, self.may_fail, self.stdin, self.comment = list(argv), may_fail, stdin, comment
        self.unless = unless        # argv of a check: when it succeeds, this step is skipped

    def shell(self):
        cmd = " ".join(shlex.quote(a) for a in self.argv)
        if self.unless:
            return "%s 2>/dev/null || %s" % (" ".join(shlex.quote(a) for a in self.unless), cmd)
        if self.stdin is not None:
            return "%s <<'EOF'\n%sEOF" % (cmd, self.stdin)
        return cmd + (" 2>/dev/null || true" if self.may_fail else "")


class Ruleset(object):
    def __init__(self, backend, options, steps):
        self.backend, self.options, self.steps = backend, options, steps

    def text(self, advice=True):
        o = self.options
        head = ["# f2btune rules --backend %s: SYN limit %s burst %d per source%s"
                % (self.backend, o["rate"], o["burst"], (" to port %s" % o["port"]) if o["port"] else "")]
        if o["verified"]:
            head[0] = ("# f2btune rules --backend %s --verified: completed TCP handshakes over %s burst %d per "
                       "source%s" % (self.backend, o["rate"], o["burst"],
                                     (" to port %s" % o["port"]) if o["port"] else ""))
            head.append("# logged with prefix %r, at most %s, one line per connection at most (connmark bit "
                        "0x%x); nothing dropped, no SYN logged" % (o["verified_logprefix"], o["log_rate"], MARK))
        elif o["in_kernel_ban"]:
            head.append("# in-kernel ban: %d s, one LOG line per ban with prefix %r (filter mode=ban), "
                        "at most %s" % (o["in_kernel_ban"], o["ban_logprefix"], o["log_rate"]))
        else:
            head.append("# excess SYNs dropped and logged with prefix %r, at most %s"
                        % (o["logprefix"], o["log_rate"]))
        head.append("# IPv%s; re-running these commands replaces f2btune's rules (idempotent)"
                    % " and IPv".join(str(f) for f in o["families"]))
        body = []
        for s in self.steps:
            if s.comment:
                body.append("# " + s.comment)
            body.append(s.shell())
        out = "\n".join(head + body) + "\n"
        if advice:
            notes = ADVICE.format(port=o["port"] or "22")
            if o["verified"]:
                notes = verified.ADVICE + "\n" + notes
            out += "\n" + "\n".join("# " + line if line else "#" for line in notes.splitlines()) + "\n"
        return out

    def apply(self, namespace=None):
        """Run the steps (inside ``namespace`` if given); raises DependencyError on failure."""
        for tool in sorted({s.argv[0] for s in self.steps}):
            if not shutil.which(tool):
                raise DependencyError("%s not found: install the %s package" % (
                    tool, {"ip6tables": "iptables"}.get(tool, tool)))
        if namespace and not netns.exists(namespace):
            raise UsageError("network namespace %r does not exist" % namespace)
        for s in self.steps:
            if s.unless and subprocess.run(netns.exec_args(namespace, s.unless), stdout=subprocess.PIPE,
                                           stderr=subprocess.PIPE).returncode == 0:
                continue
            p = subprocess.run(netns.exec_args(namespace, s.argv), input=s.stdin,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               universal_newlines=True)
            if p.returncode and not s.may_fail:
                msg = (p.stderr or p.stdout).strip().splitlines()
                raise DependencyError("%s failed: %s" % (" ".join(s.argv[:4]) + " ...",
                                                         msg[-1] if msg else "exit %d" % p.returncode))
        if self.backend == "iptables":
            for f in self.options["families"]:
                _dedupe_jumps(f, namespace)


def _dedupe_jumps(family, namespace):
    """Leave exactly one INPUT -> F2BTUNE jump (a changed --port leaves the old one behind)."""
    out = subprocess.run(netns.exec_args(namespace, [IPT[family], "-w", "-S", "INPUT"]),
                         stdout=subprocess.PIPE, universal_newlines=True).stdout
    jumps = [l for l in out.splitlines() if l.startswith("-A INPUT") and l.endswith("-j " + CHAIN)]
    for line in jumps[1:]:
        args = shlex.split(line)[2:]
        subprocess.run(netns.exec_args(namespace, [IPT[family], "-w", "-D", "INPUT"] + args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def build(backend="iptables", **options):
    """A :class:`Ruleset` for ``backend`` (iptables | nft); see :func:`check_options`."""
    if backend not in BACKENDS:
        raise UsageError("--backend must be iptables or nft, not %r" % (backend,))
    o = check_options(**options)
    if o["verified"]:
        if backend == "iptables":
            steps = verified.iptables(o, CHAIN, EXCESS, IPT, FirewallCommand, _log_burst, _hook)
        else:
            steps = _nft_table(verified.nft_lines(dict(o, log_burst=_log_burst(o["log_rate"])), ADDR, _dport(o)))
    else:
        steps = _iptables(o) if backend == "iptables" else _nft(o)
    return Ruleset(backend, o, steps)


def _log_burst(rate):
    return max(1, min(2 * int(rate.split("/")[0]), 100))


def _iptables(o):
    cmd = FirewallCommand
    steps = []
    ban = o["in_kernel_ban"]
    for f in o["families"]:
        ipt = [IPT[f], "-w"]
        if ban:
            steps.append(cmd(["ipset", "create", BANSET[f], "hash:ip", "family", "inet6" if f == 6 else "inet",
                              "timeout", str(ban), "maxelem", "65536", "-exist"],
                             comment="IPv%d: in-kernel ban set" % f))
        steps += [cmd(ipt + ["-N", CHAIN], may_fail=True, comment="IPv%d: f2btune's chains, rebuilt" % f),
                  cmd(ipt + ["-N", EXCESS], may_fail=True),
                  cmd(ipt + ["-F", CHAIN]), cmd(ipt + ["-F", EXCESS])]
        if ban:
            steps.append(cmd(ipt + ["-A", CHAIN, "-m", "set", "--match-set", BANSET[f], "src", "-j", "DROP"]))
        steps.append(cmd(ipt + ["-A", CHAIN, "-p", "tcp", "--syn", "-m", "hashlimit",
                                "--hashlimit-name", HASHLIMIT[f], "--hashlimit-mode", "srcip",
                                "--hashlimit-above", o["rate"], "--hashlimit-burst", str(o["burst"]),
                                "--hashlimit-htable-expire", "60000", "-j", EXCESS]))
        if ban:
            steps.append(cmd(ipt + ["-A", EXCESS, "-j", "SET", "--add-set", BANSET[f], "src",
                                    "--exist", "--timeout", str(ban)]))
        steps += [cmd(ipt + ["-A", EXCESS, "-m", "limit", "--limit", o["log_rate"], "--limit-burst",
                             str(_log_burst(o["log_rate"])), "-j", "LOG", "--log-prefix",
                             o["ban_logprefix"] if ban else o["logprefix"]]),
                  cmd(ipt + ["-A", EXCESS, "-j", "DROP"])]
        steps.append(_hook(o, f))
    return steps


def _hook(o, family):
    """The INPUT -> F2BTUNE jump of one family: -C || -I, exactly one, at the top of INPUT."""
    ipt = [IPT[family], "-w"]
    jump = ["INPUT", "-p", "tcp"]
    if o["port"]:
        jump += (["-m", "multiport", "--dports", o["port"]] if "," in o["port"]
                 else ["--dport", o["port"]])
    jump += ["-j", CHAIN]
    return FirewallCommand(ipt + ["-I"] + jump, unless=ipt + ["-C"] + jump,
                           comment="IPv%d: hook into INPUT once" % family)


def _dport(o):
    """The nft ``tcp dport`` match for ``--port`` (with a trailing space), or ""."""
    if not o["port"]:
        return ""
    ports = o["port"].replace(":", "-")
    return "tcp dport %s " % (("{ %s }" % ports.replace(",", ", ")) if "," in ports else ports)


def _nft_table(body):
    """One step replacing f2btune's ``inet`` table by one holding ``body`` (lines)."""
    lines = ["table inet %s {" % TABLE] + body + ["}"]
    # add + delete + define in ONE transaction: replaces the table atomically, idempotent
    script = "add table inet %s\ndelete table inet %s\n%s\n" % (TABLE, TABLE, "\n".join(lines))
    return [FirewallCommand(["nft", "-f", "-"], stdin=script,
                            comment="one inet table for IPv4 and IPv6, replaced atomically")]


def _nft(o):
    ban = o["in_kernel_ban"]
    lines = []
    addr = ADDR
    for f in o["families"]:
        lines.append("  set synrate%d { type %s; flags dynamic,timeout; timeout 1m; size 65535; }"
                     % (f, addr[f][0]))
        if ban:
            lines.append("  set ban%d { type %s; flags dynamic,timeout; timeout %ds; size 65535; }"
                         % (f, addr[f][0], ban))
    lines.append("  chain excess {")
    if ban:
        for f in o["families"]:
            lines.append("    meta nfproto ipv%d add @ban%d { %s }" % (f, f, addr[f][1]))
    lines.append('    limit rate %s burst %d packets log prefix "%s"'
                 % (o["log_rate"], _log_burst(o["log_rate"]),
                    o["ban_logprefix"] if ban else o["logprefix"]))
    lines.append("    drop")
    lines.append("  }")
    lines.append("  chain input {")
    lines.append("    type filter hook input priority filter - 1; policy accept;")
    dport = _dport(o)
    for f in o["families"]:
        if ban:
            lines.append("    %s @ban%d drop" % (addr[f][1], f))
        lines.append("    meta nfproto ipv%d %stcp flags & (syn|ack) == syn add @synrate%d { %s limit rate "
                     "over %s burst %d packets } jump excess"
                     % (f, dport, f, addr[f][1], o["rate"], o["burst"]))
    lines.append("  }")
    return _nft_table(lines)
