"""f2btune tolerance: list or revoke the addresses a jail tolerates after a successful login."""
HELP = "list (or revoke) the addresses a jail tolerates after a successful login"
DESCRIPTION = """\
For a jail with action.d/f2btune-tolerance.py: print each tolerated address (or IPv6
network) with its account and expiry, or end one address's tolerance with --revoke.
Talks to the running fail2ban-server through its socket (the live state); the server must
be running.  Exit status: 0 ok, 1 error (server unreachable, jail or action unknown),
3 --revoke of an address that was not tolerated.  See docs/tolerance.md.
"""


def add_arguments(parser):
    parser.add_argument("jail", help="the jail's name")
    parser.add_argument("--revoke", metavar="ADDR", help="end the tolerance of ADDR (or of its network)")
    parser.add_argument("-c", "--conf", metavar="DIR", default="/etc/fail2ban",
                        help="fail2ban's configuration directory, read for the socket (default /etc/fail2ban)")
    parser.add_argument("-s", "--socket", metavar="PATH", help="the server's socket (default: from --conf)")
    parser.add_argument("--action", default="f2btune-tolerance", help="the action's name in the jail")


def run(args):
    from f2btune import tolerance
    sock = args.socket or tolerance.socket_path(args.conf)
    if args.revoke:
        if tolerance.revoke(sock, args.jail, args.revoke, args.action):
            print("%s: tolerance of %s revoked" % (args.jail, args.revoke))
            return 0
        print("%s: %s was not tolerated" % (args.jail, args.revoke))
        return 3
    entries = tolerance.listing(sock, args.jail, args.action)
    if not entries:
        print("%s: no tolerated address" % args.jail)
        return 0
    for line in tolerance.format_rows(entries):
        print(line)
    return 0
