"""``f2btune suggest-regex``: an anchored filter from a sample log, with proof and speed-up."""
HELP = "suggest an anchored, equivalent and faster filter for a sample log"

DESCRIPTION = """\
Turn a sample log and the failregex (or filter) you use today into an anchored filter:
an explicit datepattern, a prefregex anchored on the syslog header / program tag / log
prefix with <F-CONTENT>, and failregex lines using <ADDR> (<HOST> only where the sample
has host names).

Method:
  1. The baseline (--failregex R, --filter NAME_OR_PATH, or --match TEXT = lines containing
     TEXT, address = the first one after it) runs through fail2ban's own Filter over the
     sample (usedns=raw: names are matched, never resolved); its matching lines are the
     positives, with the address it extracted from each.
  2. fail2ban's default date detection finds each positive's time stamp; the cheapest
     explicit, line-begin anchored datepattern giving the same stamps is proposed.
  3. The syslog header and the longest piece common to all positives become the prefregex;
     each shape of line becomes one failregex (numbers, KEY=value fields and words that
     vary are generalised, the rest stays literal).
  4. Proof: the suggested filter runs through fail2ban's Filter over every sample line and
     must match the same lines with the same address per line as the baseline; on
     injected variants of the positives (user-controlled text carrying a second address)
     it must never report the injected address. Mismatches are printed and the exit
     status is 3.
  5. Speed-up over the baseline at the filter stage, measured with the bench harness
     (pyperf; `f2btune bench` method); "n/a" when it could not be measured.

Exit status: 0 equivalent, 3 not equivalent or no anchor found, 1 unusable input.
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
    from f2btune.errors import ExitStatus
    from f2btune.suggest.core import suggest_filter
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
