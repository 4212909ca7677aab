"""pyperf benchmark: what each datepattern choice costs Filter.processLine, per stamp kind.

f2btune-sshd's own filter (fail2ban's real Filter, find-time cut-off off) over real sshd lines
(default: the first 2 000 sshd lines of ../shared/corpus/teliten-vultr/auth.log_2022-05-29_vultr.log),
once as captured (RFC 3164) and restamped ISO ("2005-05-29 00:01:04") and RFC 3339; with the
datepattern set to each choice:

  pins       the RFC 3164 and RFC 3339 templates alone (what the filters pinned before: lines
             stamped any other way get no date and are dropped)
  pins+LN    the templates, then {^LN-BEG} (what the filters ship now)
  LN-BEG     {^LN-BEG} alone (what stock filters use)
  pins+DEF   the templates, then {DEFAULT} (all of fail2ban's templates, anchored or not)

One loop is one pass; the value is seconds per line.  Compare ratios within one run.
Run: .venv/bin/python benchmarks/bench_dates.py --fast [-o dates.json] [--log FILE] [--lines N]

On a loaded machine pyperf's sequential benchmarks drift with the load; ``--ratios ROUNDS``
instead times one pass per choice in turn, ROUNDS times, in one process (CPU time), and prints
per stamp kind the median and min-max of each choice's time over pins+LN's in the same round.
"""
import datetime
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

DEFAULT_LOG = os.path.join(os.path.dirname(ROOT), "shared", "corpus", "teliten-vultr",
                           "auth.log_2022-05-29_vultr.log")
PINS = "^%b %d %H:%M:%S(?:\\.%f)?(?: %ExY)?\n^%Y-%m-%dT%H:%M:%S(?:\\.%f)?%z"
CHOICES = (
    ("pins", "^%b %d %H:%M:%S\n^%Y-%m-%dT%H:%M:%S(?:\\.%f)?%z"),
    ("pins+LN", PINS + "\n{^LN-BEG}"),
    ("LN-BEG", "{^LN-BEG}"),
    ("pins+DEF", PINS + "\n{DEFAULT}"),
)
# Real RFC 3164 sshd lines restamped: ISO with a space (CentOS, syslog-ng), RFC 3339 (Ubuntu's
# rsyslog), RFC 5424 (rsyslog's RSYSLOG_SyslogProtocol23Format; f2btune-sshd[logtype=rfc5424]).
RESTAMP = {
    "rfc3164": lambda t, host, rest: "%s %s %s" % (t.strftime("%b %d %H:%M:%S"), host, rest),
    "iso": lambda t, host, rest: "%s %s %s" % (t.strftime("%Y-%m-%d %H:%M:%S"), host, rest),
    "rfc3339": lambda t, host, rest: "%s %s %s" % (t.strftime("%Y-%m-%dT%H:%M:%S.123456+00:00"), host, rest),
    "rfc5424": lambda t, host, rest: "<38>1 %s %s %s" % (
        t.strftime("%Y-%m-%dT%H:%M:%S.123456Z"), host, rest.replace("[", " ", 1).replace("]: ", " - - ", 1)),
}


def restamped(path, kind, limit=4000):
    """The first ``limit`` sshd lines of an RFC 3164 log, stamped the ``kind`` way (year 2005)."""
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            stamp, rest = line[:15], line[16:].rstrip("\n")   # RFC 3164: fixed width
            host, _, rest = rest.partition(" ")
            if not rest.startswith("sshd["):
                continue
            try:
                t = datetime.datetime.strptime("2005 " + stamp, "%Y %b %d %H:%M:%S")
            except ValueError:
                continue
            out.append(RESTAMP[kind](t, host, rest))
            if len(out) >= limit:
                break
    return out


def filters(conf):
    """One f2btune-sshd Filter per datepattern choice (find-time cut-off off)."""
    from f2btune.f2b import make_filter
    out = []
    for name, pattern in CHOICES:
        flt = make_filter("f2btune-sshd", confdir=conf)
        flt.setDatePattern(pattern)
        flt.checkFindTime = False
        out.append((name, flt))
    return out


def ratios(log, n_lines, rounds):
    """Interleaved passes: per kind and choice, (median, min, max) of time / pins+LN's time."""
    import statistics
    import time
    from f2btune.f2b import quiet_logging
    from f2btune.paths import build_confdir
    quiet_logging()
    result = {}
    with tempfile.TemporaryDirectory(prefix="f2btune-bench-dates-") as tmp:
        conf = build_confdir(os.path.join(tmp, "conf"))
        for kind in ("rfc3164", "iso", "rfc3339"):
            lines = restamped(log, kind, n_lines)
            flts = filters(conf)
            per = {name: [] for name, _ in flts}
            for _ in range(rounds):
                took = {}
                for name, flt in flts:
                    t0 = time.process_time()
                    for line in lines:
                        flt.processLine(line)
                    took[name] = time.process_time() - t0
                for name in per:
                    per[name].append(took[name] / took["pins+LN"])
            result[kind] = {n: (statistics.median(v), min(v), max(v)) for n, v in per.items()}
    return result


def main():
    if "--ratios" in sys.argv:
        import argparse
        ap = argparse.ArgumentParser()
        ap.add_argument("--ratios", type=int, required=True)
        ap.add_argument("--log", default=DEFAULT_LOG)
        ap.add_argument("--lines", type=int, default=2000)
        a = ap.parse_args()
        for kind, row in ratios(a.log, a.lines, a.ratios).items():
            print(kind, "  ".join("%s %.2fx (%.2f-%.2f)" % ((n,) + r) for n, r in row.items()))
        return
    import pyperf
    from f2btune.f2b import quiet_logging
    from f2btune.paths import build_confdir

    def forward(cmd, args):
        cmd.extend(("--log", args.log, "--lines", str(args.lines)))

    runner = pyperf.Runner(add_cmdline_args=forward)
    runner.argparser.add_argument("--log", default=DEFAULT_LOG)
    runner.argparser.add_argument("--lines", type=int, default=2000)
    args = runner.parse_args()
    quiet_logging()
    tmp = tempfile.mkdtemp(prefix="f2btune-bench-dates-")
    try:
        conf = build_confdir(os.path.join(tmp, "conf"))
        for kind in ("rfc3164", "iso", "rfc3339"):
            lines = restamped(args.log, kind, args.lines)
            for name, flt in filters(conf):

                def timed(loops, flt=flt, lines=lines):
                    t0 = pyperf.perf_counter()
                    for _ in range(loops):
                        for line in lines:
                            flt.processLine(line)
                    return pyperf.perf_counter() - t0
                runner.bench_time_func("%s %s" % (kind, name), timed, inner_loops=len(lines))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
