"""``f2btune suggest-regex``: an anchored filter from a sample log, with proof and speed-up."""
HELP = "suggest an anchored, equivalent and faster filter for a sample log"

DESCRIPTION = """\
Turn a sample log and the failregex (or filter) you use today into an anchored filter that
generalises by field: an explicit datepattern where one fits every stamp of the sample, a
prefregex on the syslog header / common prefix with <F-CONTENT>, and one failregex per message
shape with <ADDR> (<HOST> only where the sample has host names).

Method:
  1. The baseline (--failregex R, --filter NAME_OR_PATH, or --match TEXT = lines containing
     TEXT, address = the first one after it) runs through fail2ban's own Filter over the
     sample (usedns=raw); its matching lines are the positives, with their addresses.
  2. The address is found at its structural position (a field of its own). Lines whose
     reported address sits in user-controlled text (quoted text, a user name, a second
     address in the same spot) are listed as injection attempts and not learnt from.
  3. Lines are cut into tokens and aligned by shape; each field becomes the narrowest class
     covering its values (numbers, ports, ids, words, quoted strings); values in value
     positions become fields even when the sample never varied them (listed). Regexes that
     another one covers are dropped.
  4. Proof through fail2ban's Filter: every positive reported with the same address; no
     adversarial variant (address-like text in every variable field) changes the address;
     no near-miss variant (a keyword changed) matches. Held-out: learnt on two thirds of
     the distinct lines, tested on the rest.
  5. Speed-up over the baseline at the filter stage (f2btune bench method) on CPython and
     PyPy; the output says when and why the suggestion is slower.
  6. --write writes FILE and NAME.sample only when the suggestion is proven and fail2ban's
     samplestestcase passes on them; existing files only with --force (kept as .bak), never
     a filter a package installed.

Exit status: 0 equivalent (and written, with --write), 3 not equivalent, no anchor found or
not written, 1 unusable input or refused target, 2 usage error.
"""


def add_arguments(parser):
    parser.add_argument("log", metavar="LOG", help="sample log file")
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument("--failregex", metavar="R", help="the failregex used today (fail2ban syntax)")
    src.add_argument("--filter", metavar="NAME_OR_PATH",
                     help="a filter name (under --confdir/filter.d, opts allowed: name[mode=x]) or file")
    src.add_argument("--match", metavar="TEXT", help="positives are the lines containing TEXT")
    parser.add_argument("--confdir", metavar="DIR", default=None,
                        help="fail2ban config dir for --filter names (default /etc/fail2ban)")
    parser.add_argument("--write", metavar="FILE",
                        help="write the filter to FILE (e.g. my-filter.conf) and a failJSON sample "
                             "beside it (FILE without .conf + .sample), checked with samplestestcase")
    parser.add_argument("--force", action="store_true",
                        help="with --write: replace existing files (a .bak copy of each is kept)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--no-bench", action="store_true",
                        help="skip the speed measurement (speedup: null)")


def run(args):
    import json
    from f2btune.errors import ExitStatus, UsageError
    from f2btune.suggest.core import suggest_filter
    for option in ("failregex", "filter", "match"):
        value = getattr(args, option)
        if value is not None and not value.strip():
            raise UsageError("--%s needs a non-empty value" % option)
    from f2btune.suggest.report import render

    result = suggest_filter(args.log, failregex=args.failregex, filter_spec=args.filter,
                            match=args.match, confdir=args.confdir, bench=not args.no_bench,
                            write=args.write, force=args.force)
    result.pop("_samples", None)
    if args.json:
        print(json.dumps(result, indent=2, sort_keys=True))
    else:
        print(render(result))
    written = result.get("written")
    if not result["equivalent"] or (written and not written.get("filter")):
        return ExitStatus.PROBLEMS
    return ExitStatus.OK
