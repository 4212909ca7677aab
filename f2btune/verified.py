"""Kernel rules that log a source only after it completed a TCP handshake (``f2btune rules --verified``).

A SYN can carry any source address; a completed handshake cannot: the SYN-ACK goes to the
address in the SYN, and only a host that received it can send the ACK that matches its
sequence number.  conntrack checks that ACK (in window, after the SYN-ACK) and only then marks
the connection ASSURED.  So the rule looks at the first packet of each connection that is

  * from the client (``ct direction original``), a pure ACK or ACK+PSH (no SYN/FIN/RST),
  * in state ESTABLISHED with status ASSURED (conntrack has seen the valid third packet),
  * not yet marked: the rule sets one connection-mark bit (:data:`MARK`), so each
    connection is counted once;

counts it per source (iptables hashlimit / an nft dynamic set with a meter) and logs the
connections over ``--rate``/``--burst`` with the verified prefix, at most ``--log-rate`` lines
in total.  Nothing is dropped: fail2ban bans.  Spoofed SYNs (and blind ACKs after them) never
reach the LOG, whatever their rate: their source cannot be banned.

iptables layout, per family::

    INPUT -p tcp [--dport P] -j F2BTUNE
    F2BTUNE   -p tcp --tcp-flags SYN,ACK,FIN,RST ACK -m conntrack --ctstate ESTABLISHED
                  --ctstatus ASSURED --ctdir ORIGINAL -m connmark --mark 0/MARK -j F2BTUNE-X
    F2BTUNE-X -j CONNMARK --or-mark MARK
              -m hashlimit --hashlimit-above RATE ... -m limit --limit LOGRATE -j LOG --log-prefix PREFIX
"""
MARK = 0x10000000                                        # one connmark bit, kept by every other rule
HASHLIMIT = {4: "f2btune-ver4", 6: "f2btune-ver6"}     # at most 15 characters

ADVICE = """\
Cost of --verified: conntrack tracks every TCP connection to the protected ports (a few hundred bytes
each; a spoofed SYN flood fills the table with SYN_RECV entries for up to 60 s):
  sysctl net.netfilter.nf_conntrack_count net.netfilter.nf_conntrack_max
Spoofed SYN floods themselves are not banned in this mode (their source is not known): SYN cookies
(net.ipv4.tcp_syncookies=1, Debian's default) keep the service reachable while they last."""


def iptables(o, chain, excess, ipt_bin, step, log_burst, hook):
    """The steps of the verified rules for iptables/ip6tables (``step`` builds a rules.FirewallCommand, ``hook``
    the INPUT jump of a family)."""
    steps = []
    mark = "0x%x" % MARK
    for f in o["families"]:
        ipt = [ipt_bin[f], "-w"]
        steps += [step(ipt + ["-N", chain], may_fail=True, comment="IPv%d: f2btune's chains, rebuilt" % f),
                  step(ipt + ["-N", excess], may_fail=True),
                  step(ipt + ["-F", chain]), step(ipt + ["-F", excess])]
        steps.append(step(ipt + ["-A", chain, "-p", "tcp", "--tcp-flags", "SYN,ACK,FIN,RST", "ACK",
                                 "-m", "conntrack", "--ctstate", "ESTABLISHED", "--ctstatus", "ASSURED",
                                 "--ctdir", "ORIGINAL", "-m", "connmark", "--mark", "0/" + mark,
                                 "-j", excess],
                          comment="IPv%d: the first ACK of each completed handshake, once" % f))
        steps += [step(ipt + ["-A", excess, "-j", "CONNMARK", "--or-mark", mark]),
                  step(ipt + ["-A", excess, "-m", "hashlimit", "--hashlimit-name", HASHLIMIT[f],
                              "--hashlimit-mode", "srcip", "--hashlimit-above", o["rate"],
                              "--hashlimit-burst", str(o["burst"]), "--hashlimit-htable-expire", "60000",
                              "-m", "limit", "--limit", o["log_rate"], "--limit-burst",
                              str(log_burst(o["log_rate"])), "-j", "LOG", "--log-prefix",
                              o["verified_logprefix"]]),
                  hook(o, f)]
    return steps


def nft_lines(o, addr, dport):
    """The body of f2btune's ``inet`` table for the verified rules (list of lines)."""
    lines = []
    for f in o["families"]:
        lines.append("  set connrate%d { type %s; flags dynamic,timeout; timeout 1m; size 65535; }"
                     % (f, addr[f][0]))
    lines.append("  chain verified {")
    lines.append("    ct mark set ct mark | 0x%x" % MARK)
    for f in o["families"]:
        lines.append('    meta nfproto ipv%d add @connrate%d { %s limit rate over %s burst %d packets } '
                     'limit rate %s burst %d packets log prefix "%s"'
                     % (f, f, addr[f][1], o["rate"], o["burst"], o["log_rate"], o["log_burst"],
                        o["verified_logprefix"]))
    lines.append("  }")
    lines.append("  chain input {")
    lines.append("    type filter hook input priority filter - 1; policy accept;")
    lines.append("    %stcp flags & (syn|ack|fin|rst) == ack ct direction original ct state established "
                 "ct status assured ct mark & 0x%x == 0 jump verified" % (dport, MARK))
    lines.append("  }")
    return lines
