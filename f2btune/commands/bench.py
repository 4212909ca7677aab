"""``f2btune bench``: lines per second of candidate regexes, filters and interpreters, with pyperf."""
import os

from f2btune.commands import number
from f2btune.errors import ExitStatus, InputError
from f2btune.seed import SEED_REGEX

HELP = "measure what fail2ban can sustain per regex, filter, stage and interpreter (pyperf)"
DESCRIPTION = """\
Measure, in lines per second, what each candidate regex or filter costs fail2ban on LOG, at each
stage of fail2ban's per-line path, under each interpreter, side by side in one table.

Candidates: the seed regex  """ + SEED_REGEX + """  is the baseline; f2btune's
own filter f2btune-synflood is added when present.  --regex and --filter add more (a filter name
under /etc/fail2ban/filter.d, optionally name[opt=val], or a path to a filter file, read with its
prefregex, datepattern and modes by fail2ban's own FilterReader).

Stages (fail2ban's real objects, Debian's fail2ban 1.0.x / 1.1.x):
  regex      the compiled failregex (fail2ban's tag expansion) over each line, date text cut out
  filter     Filter.processLine: date detection + prefregex + failregex (as fail2ban-regex runs it)
  jail       processLineAndAdd on a real Jail: tickets, ignoreip, FailManager (maxretry 5),
             bans through fail2ban's Actions into a no-op action; loglevel NOTICE
  jail-info  the same with loglevel INFO (fail2ban's default): one "Found" record per failure
  (--stage jail runs both jail variants; --stage all runs the four.)

Method: pyperf (worker processes, warm-ups, calibrated loops).  One loop is one pass over the
log; a value is seconds per line; lines/s = 1 / median, "± sd" is pyperf's standard deviation.
Set-up (reading the log, building fail2ban's Filter or a fresh Jail) is outside the timed
region.  Each interpreter runs pyperf itself: CPython 3 processes x 3 values after 1 warm-up
with --fast (10 x 3 otherwise); PyPy runs under pypy3 with 2 x 3 values after 1 warm-up (6 x 10
after 3) preceded by untimed passes over at least 30 000 lines (50 000), so the figure is the
warmed state.  "cold" is the first pass in a fresh process (1 loop, no warm-up, 2 or 6
processes): what a short flood costs a freshly started server.  Each (candidate,
stage, interpreter) is one pyperf benchmark; --json keeps pyperf's JSON files and every figure
is read back from them.  Ratios compare candidates measured in this one run: run it on a quiet
machine and compare ratios, not absolute figures across runs.

Before timing, each candidate runs once over the whole log (streamed: memory does not grow with
the log) and the table shows the lines it matched and the distinct addresses; a candidate that
matches different lines or addresses than the baseline is flagged DIFFERS and the exit status is
3: a fast regex that misses lines is not a win.  Timing runs over the first --sample lines
(10 000 with --fast, 100 000 otherwise; 0 = the whole log), which the report states.

--project pi-zero|pi3|pi4|pi5 adds a range labelled PROJECTED, never mixed with the measured
table: a calibration benchmark (Filter.processLine with the seed regex over a fixed generated
flood) runs in the same invocation and is compared with the same benchmark on f2btune's
reference machine (2-core x86-64 VM, CPython 3.11); published ratios then place the Pi class
relative to that machine: Pi 5 2.6-2.9x slower (pyperformance regex benchmarks vs an i5-8400),
Pi 4 and Pi 3B+ scaled from the Pi 5 by sysbench single-core results (2737 / 1478 / 687
events/s, +-20 %), Pi Zero/1 25-75x (instruction counts under qemu-arm with an assumed IPC).
No PyPy projection for the Pi Zero (Debian's armel pypy3 has no JIT).  See docs/bench.md.

Examples:
  f2btune bench kern.log --fast
  f2btune bench flood.log --stage all --regex 'f2b-syn: IN=\\S* OUT=\\S* (?:MAC=\\S+ )?SRC=<ADDR> '
  f2btune bench flood.log --filter f2btune-synflood[mode=any] --python pypy3 --json out.json --plot out.png
"""


def add_arguments(parser):
    parser.add_argument("log", metavar="LOG", help="log file to replay (e.g. a kern.log or f2btune flood output)")
    parser.add_argument("--regex", action="append", default=[], metavar="R",
                        help="add a failregex candidate (fail2ban tags such as <HOST> allowed); repeatable")
    parser.add_argument("--filter", action="append", default=[], metavar="NAME_OR_PATH",
                        help="add a filter candidate: a name in /etc/fail2ban/filter.d (name[opt=val]) "
                             "or a filter file; repeatable")
    parser.add_argument("--no-defaults", action="store_true",
                        help="leave out f2btune-synflood: only the seed baseline and the "
                             "--regex/--filter candidates")
    parser.add_argument("--stage", default="filter", choices=("regex", "filter", "jail", "all"),
                        help="which stage to time (default: filter)")
    parser.add_argument("--python", action="append", default=[], metavar="EXE",
                        help="add an interpreter (name or path); repeatable. Default: this one plus "
                             "pypy3 when installed")
    parser.add_argument("--json", metavar="FILE",
                        help="write the summary as JSON; pyperf's files are kept in FILE's stem + '-pyperf/'")
    parser.add_argument("--plot", metavar="FILE.png", help="write a bar chart (PNG)")
    parser.add_argument("--fast", action="store_true", help="fewer processes and values, smaller sample")
    parser.add_argument("--sample", type=number(minimum=0), default=None, metavar="LINES",
                        help="lines timed per pass (default 10 000 with --fast, 100 000 otherwise; 0 = all)")
    parser.add_argument("--project", choices=("pi-zero", "pi3", "pi4", "pi5"),
                        help="add a projected range for this Raspberry Pi class (labelled, see above)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress messages")


def run(args):
    from f2btune.bench.api import command_line_candidates, run_bench
    from f2btune.bench.interpreters import default_pythons
    from f2btune.bench.report import format_summary

    candidates = command_line_candidates(args.regex, args.filter, defaults=not args.no_defaults)
    pythons = default_pythons(args.python)
    if args.plot and not args.plot.lower().endswith(".png"):
        raise InputError("--plot writes PNG: give a FILE.png")
    summary = run_bench(args.log, candidates, stage=args.stage, pythons=pythons, fast=args.fast,
                        json_path=args.json, quiet=args.quiet, sample_lines=args.sample,
                        project=args.project, plot_path=args.plot)
    print(format_summary(summary))
    if args.json:
        print("summary: %s (pyperf JSON files in %s)"
              % (args.json, os.path.dirname(summary["results"][0]["pyperf_json"])))
    if args.plot:
        print("plot: %s" % args.plot)
    if not all(r["agrees"] for r in summary["results"]):
        return ExitStatus.PROBLEMS
    return ExitStatus.OK
