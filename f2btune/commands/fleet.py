"""f2btune fleet: share bans between hosts through a CrowdSec Local API (LAPI)."""
HELP = "share bans across hosts via a CrowdSec LAPI: pull decisions into ipsets, show status"

DESCRIPTION = """\
Bans of the jails that use action f2btune-crowdsec.py are pushed to a CrowdSec Local API;
every host enforces the fleet's decisions, with crowdsec-firewall-bouncer or with:

  fleet pull      a long-running bouncer: streams /v1/decisions/stream with the bouncer key and
                  keeps ipsets (hash:ip and hash:net per family, kernel timeouts) equal to the
                  decisions of the configured origins/scenarios, never blocking an address of
                  the local jails' ignoreip.  'f2btune install --fleet-pull' writes its unit.
  fleet status    connection, push queue, last sync and decision counts.
  fleet template  print a settings file to start from.

LAPI address and credentials come from a root-only settings file (default
/etc/f2btune/fleet.conf, mode 600), never from the command line.  See docs/fleet.md.
"""


def add_arguments(parser):
    from f2btune.fleet.config import DEFAULT_PATH
    parser.add_argument("--config", metavar="FILE", default=DEFAULT_PATH,
                        help="settings file (default: %(default)s)")
    sub = parser.add_subparsers(dest="fleet_command", metavar="ACTION")
    sub.required = True
    p = sub.add_parser("pull", help="enforce the fleet's decisions in local ipsets (long-running)")
    p.add_argument("--confdir", default="/etc/fail2ban",
                   help="fail2ban configuration whose jails' ignoreip are never blocked (default: %(default)s)")
    p.add_argument("--once", action="store_true", help="one full sync, then exit (sets stay)")
    p.add_argument("--remove", action="store_true", help="remove the sets and their rules, then exit")
    sub.add_parser("status", help="connection, push queue, last sync and decision counts")
    sub.add_parser("template", help="print a settings file to fill in")


def run(args):
    from f2btune.commands import fleet_run
    return getattr(fleet_run, args.fleet_command)(args)
