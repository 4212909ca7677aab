"""f2btune uninstall: remove exactly what 'f2btune install' placed."""
HELP = "remove the files 'f2btune install' placed (restoring backups)"
DESCRIPTION = """\
Remove every file listed in ROOT/var/lib/f2btune/install-manifest.json, restore the files
'f2btune install' backed up, and remove the directories it created if they are empty.
A file modified since it was installed is kept (and reported).  Files placed by the
Debian package are not touched: remove the package with apt instead.
"""


def add_arguments(parser):
    parser.add_argument("--root", metavar="DIR", default="/", help="uninstall from under DIR instead of /")
    parser.add_argument("--dry-run", "-n", action="store_true", help="print what would be done, change nothing")


def run(args):
    from f2btune.install import uninstall
    steps = uninstall(args.root, dry_run=args.dry_run)
    for step in steps:
        print(("would " if args.dry_run and step.changes else "") + str(step))
    if not steps:
        print("nothing to do: no f2btune install manifest under %s" % args.root)
    return 0
