"""f2btune rules: print (or apply) the kernel rules that rate-limit SYNs and log the excess for fail2ban."""
from f2btune.seed import BAN_LOG_PREFIX, LOG_PREFIX, VERIFIED_LOG_PREFIX

HELP = "print or apply iptables/nft rules: per-source SYN limit, capped LOG, optional in-kernel ban"

DESCRIPTION = """\
Print the kernel rules a SYN-flood setup needs, for IPv4 and IPv6 alike:

  - a per-source SYN rate limit (iptables hashlimit / an nft dynamic set with a meter);
  - a LOG of the SYNs over the limit, with the prefix fail2ban's f2btune-synflood filter
    anchors on ("%(syn)s"), itself rate-capped so a flood cannot flood the log;
  - optionally (--in-kernel-ban SECONDS) a ban in the kernel: the first excess SYN puts the
    source in a set with a timeout and logs ONE "%(ban)s" line (the filter's mode=ban);
    fail2ban then only handles escalation and bookkeeping;
  - advice on SYN cookies and SYNPROXY (printed as comments, not applied).

A SYN can carry any source address: whoever floods can make these rules log, and fail2ban
ban, an address of their choice (your resolver, gateway, office). --verified logs a source
only after it completed the TCP handshake instead: the first ACK of each connection that
conntrack has seen complete (ESTABLISHED, ASSURED), once per connection (a connmark bit),
over --rate/--burst per source, with the prefix "%(ver)s" (the filter's mode=verified).
No SYN is limited, dropped or logged in that mode; SYN cookies carry spoofed floods.

--apply runs the same commands (as root). It is idempotent: f2btune's own chains (iptables:
F2BTUNE, F2BTUNE-X, one jump from INPUT) or table (nft: inet f2btune, replaced atomically)
are rebuilt, nothing else is touched. --netns NAME applies inside a network namespace.
""" % {"syn": LOG_PREFIX, "ban": BAN_LOG_PREFIX, "ver": VERIFIED_LOG_PREFIX}


def add_arguments(parser):
    parser.add_argument("--backend", choices=("iptables", "nft"), default="iptables",
                        help="iptables (+ ip6tables, ipset) or nft (default: iptables)")
    parser.add_argument("--port", help="TCP port(s) to protect: 22, 1000:2000 or 22,80,443 (default: all)")
    parser.add_argument("--rate", default="20/second",
                        help="SYNs per source allowed before limiting (default: 20/second)")
    parser.add_argument("--burst", type=int, default=40, help="burst allowed per source (default: 40)")
    parser.add_argument("--logprefix", default=LOG_PREFIX,
                        help='LOG prefix of excess SYNs (default: "%s")' % LOG_PREFIX)
    parser.add_argument("--log-rate", default="5/second",
                        help="at most this many LOG lines in total (default: 5/second)")
    parser.add_argument("--in-kernel-ban", type=int, metavar="SECONDS",
                        help="ban sources over the limit in the kernel for SECONDS, one LOG line per ban")
    parser.add_argument("--ban-logprefix", default=BAN_LOG_PREFIX,
                        help='LOG prefix of in-kernel bans (default: "%s")' % BAN_LOG_PREFIX)
    parser.add_argument("--verified", action="store_true",
                        help="log only sources that completed the TCP handshake (cannot be spoofed); "
                             "--rate/--burst then count connections")
    parser.add_argument("--verified-logprefix", default=VERIFIED_LOG_PREFIX,
                        help='LOG prefix of --verified (default: "%s")' % VERIFIED_LOG_PREFIX)
    parser.add_argument("--family", choices=("4", "6", "both"), default="both",
                        help="IP families (default: both)")
    parser.add_argument("--no-advice", action="store_true", help="omit the SYN-cookie/SYNPROXY advice")
    parser.add_argument("--apply", action="store_true", help="apply the rules (root)")
    parser.add_argument("--netns", metavar="NAME", help="with --apply: inside this network namespace")


def run(args):
    from f2btune import rules
    from f2btune.errors import UsageError

    if args.netns and not args.apply:
        raise UsageError("--netns needs --apply")
    families = (4, 6) if args.family == "both" else (int(args.family),)
    ruleset = rules.build(args.backend, port=args.port, rate=args.rate, burst=args.burst,
                          logprefix=args.logprefix, log_rate=args.log_rate,
                          in_kernel_ban=args.in_kernel_ban, ban_logprefix=args.ban_logprefix,
                          families=families, verified=args.verified,
                          verified_logprefix=args.verified_logprefix)
    if args.apply:
        ruleset.apply(namespace=args.netns)
        print("f2btune rules: applied %d step(s) with %s%s" % (
            len(ruleset.steps), args.backend, (" in network namespace %s" % args.netns) if args.netns else ""))
    else:
        print(ruleset.text(advice=not args.no_advice), end="")
    return 0
