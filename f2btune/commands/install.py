"""f2btune install: copy f2btune's filters, actions and jails into a fail2ban configuration."""
HELP = "install f2btune's filter.d/action.d/jail.d into /etc/fail2ban (non-Debian systems)"
DESCRIPTION = """\
Copy f2btune's snippets (filter.d, action.d, jail.d; every jail disabled) into
ROOT/etc/fail2ban, which must already hold fail2ban's configuration.  On Debian, install
the fail2ban-f2btune package instead.

Idempotent: a second run changes nothing.  .local files are never overwritten; a file
that f2btune did not install (or that was modified since) is backed up as
NAME.f2btune-backup before it is replaced.  Every file written is recorded in
ROOT/var/lib/f2btune/install-manifest.json, so 'f2btune uninstall' removes exactly those.

--server-dropin also writes /etc/systemd/system/fail2ban.service.d/f2btune.conf, which
makes fail2ban.service start the server through 'f2btune server' (needed for the f2btune
backends), and runs 'systemctl daemon-reload' when systemd is running.
--fleet-pull writes /etc/systemd/system/f2btune-fleet-pull.service, the unit of
'f2btune fleet pull' (enable it with 'systemctl enable --now f2btune-fleet-pull').
"""


def add_arguments(parser):
    parser.add_argument("--root", metavar="DIR", default="/",
                        help="install under DIR instead of / (DIR/etc/fail2ban must exist)")
    parser.add_argument("--dry-run", "-n", action="store_true", help="print what would be done, change nothing")
    parser.add_argument("--server-dropin", action="store_true",
                        help="also install the systemd drop-in running fail2ban through 'f2btune server'")
    parser.add_argument("--fleet-pull", action="store_true",
                        help="also install the systemd unit f2btune-fleet-pull.service (docs/fleet.md)")
    parser.add_argument("--python", metavar="EXE",
                        help="with --server-dropin: interpreter for the server (e.g. pypy3)")


def run(args):
    from f2btune.install import install
    steps = install(args.root, server_dropin=args.server_dropin, dry_run=args.dry_run, python=args.python,
                    fleet_pull=args.fleet_pull)
    for step in steps:
        print(("would " if args.dry_run and step.changes else "") + str(step))
    changed = sum(1 for s in steps if s.changes)
    print("%s: %d change%s%s" % ("dry run" if args.dry_run else "done", changed, "" if changed == 1 else "s",
                                  "" if changed else " (already installed)"))
    return 0
