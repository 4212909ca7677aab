"""``f2btune server``: run fail2ban's server with the f2btune backends registered."""
import argparse

HELP = "run fail2ban-server with the f2btune backends (backend = f2btune / f2btune-journal)"

DESCRIPTION = """\
Run fail2ban's own server, unchanged, after registering f2btune's backends:

  backend = f2btune[anchor="f2b-syn: ", maxdelay=20ms]   log files and named pipes (pyinotify)
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
    parser.add_argument("server_args", nargs=argparse.REMAINDER,
                        help="arguments for fail2ban-server (e.g. -xf start)")


def run(args):
    from f2btune import server
    if args.print_dropin:
        print(server.dropin_text(python=args.python), end="")
        return 0
    rest = list(args.server_args)
    if rest and rest[0] == "--":
        rest = rest[1:]
    server.main(rest, python=args.python)
    return 0
