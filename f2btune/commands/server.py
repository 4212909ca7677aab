"""``f2btune server``: run fail2ban's server with the f2btune backends registered."""
HELP = "run fail2ban-server with the f2btune backends (backend = f2btune / f2btune-journal)"

DESCRIPTION = """\
Run fail2ban's own server, unchanged, after registering f2btune's backends:

  backend = f2btune[anchor="f2b-syn: ", maxdelay=200ms]  log files and named pipes (pyinotify)
  backend = f2btune-journal                               systemd journal (alias systemd-f2btune)

fail2ban has no backend plug-in hook; the registration adds the names to fail2ban's
private backend list after checking the fail2ban version (1.0.x and 1.1.x), so the server
must be started through this command. All other arguments go to fail2ban-server, e.g.

  f2btune server -xf start                 foreground, as fail2ban.service runs it
  f2btune server --python pypy3 -xf start  the same under PyPy (no journal backend there)
  f2btune server --print-dropin            the systemd drop-in that makes fail2ban.service
                                           use this command (f2btune install writes it)
"""


def add_arguments(parser):
    parser.add_argument("--python", metavar="EXE",
                        help="interpreter to run the server with (e.g. pypy3); default: this one")
    parser.add_argument("--print-dropin", action="store_true",
                        help="print the systemd drop-in for fail2ban.service and exit")
    parser.allow_abbrev = False
    # every other argument (e.g. -xf start) belongs to fail2ban-server, in its order
    parse_known = parser.parse_known_args

    def parse_known_args(args=None, namespace=None):
        ns, rest = parse_known(args, namespace)
        if rest and rest[0] == "--":
            rest = rest[1:]
        ns.server_args = rest
        return ns, []
    parser.parse_known_args = parse_known_args
    parser.usage = "f2btune server [-h] [--python EXE] [--print-dropin] [fail2ban-server arguments ...]"


def run(args):
    from f2btune import server
    if args.print_dropin:
        print(server.dropin_text(python=args.python), end="")
        return 0
    server.main(list(getattr(args, "server_args", [])), python=args.python)
    return 0
