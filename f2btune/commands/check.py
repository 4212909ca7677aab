"""f2btune check: what makes a fail2ban configuration slow or unsafe, with figures."""
HELP = "check a fail2ban configuration for slow or unsafe settings"
DESCRIPTION = """\
Read a fail2ban configuration with fail2ban's own readers (like 'fail2ban-client -t') and
report, per enabled jail, what makes it slow or unsafe: unanchored regexes, catch-alls
before the host tag, <HOST> with usedns, date auto-detection where an explicit pattern
fits, INFO logging or shell ban actions on a busy jail, maxlines > 1, systemd without
journalmatch, polling, ignorecommand without ignorecache, bantime.increment without a
database, ban times beyond ipset's limit, log files missing on a journald-only system, and
kernel-LOG jails reading a log any local program can write to (forged lines ban any address:
decided from the rsyslog configuration; journal jails are safe with _TRANSPORT=kernel).

Costs are documented estimates (from f2btune's measurements of fail2ban 1.0.2, see
docs/check.md) unless --measure benchmarks the jail's own log: the jail's filter as
configured against the matching f2btune filter (and against the proposed datepattern),
filter stage, current interpreter, one pyperf run (ratios, not absolutes).

A jail counts as busy when it reads netfilter LOG lines, or when its own filter finds
at least one failure per second in the last lines of its log.

Exit status: 0 no problems, 3 warnings or errors found, 1 the configuration does not load.
"""


def add_arguments(parser):
    parser.add_argument("--conf", "-c", metavar="DIR", default="/etc/fail2ban",
                        help="fail2ban configuration directory (default: %(default)s)")
    parser.add_argument("--jail", action="append", metavar="NAME",
                        help="check only this enabled jail (repeatable)")
    parser.add_argument("--json", action="store_true", help="print a JSON report")
    parser.add_argument("--measure", action="store_true",
                        help="benchmark each jail's own log (f2btune bench) for measured costs")
    parser.add_argument("--rsyslog-conf", metavar="FILE", default=None,
                        help="rsyslog configuration that decides who can write the logs (default: /etc/rsyslog.conf)")
    parser.add_argument("--list", action="store_true", help="list the finding ids and exit")


def run(args):
    import json
    import os
    from f2btune.errors import ExitStatus
    from f2btune import check
    if args.list:
        for kind in check.describe_findings():
            print("%-26s %-8s %s" % (kind.id, kind.severity, kind.title))
        return ExitStatus.OK
    if args.rsyslog_conf is not None and not os.path.isfile(args.rsyslog_conf):
        from f2btune.errors import InputError
        raise InputError("--rsyslog-conf %s: no such file" % args.rsyslog_conf)
    report = check.run_check(args.conf, measure=args.measure, jails=args.jail, rsyslog_conf=args.rsyslog_conf)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print("\n".join(check.format_text(report)))
    return ExitStatus.PROBLEMS if report.problems else ExitStatus.OK
