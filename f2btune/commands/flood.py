"""``f2btune flood``: write a realistic, deterministic flood log (kernel LOG, sshd, Apache, WordPress)."""
from f2btune.commands import FRACTION, number
from f2btune.errors import InputError
from f2btune.seed import LOG_PREFIX

HELP = "write a realistic flood log (SYN flood, sshd, apache-auth, wordpress), deterministic for a seed"
DESCRIPTION = """\
--kind synflood (default): write a log of kernel LOG lines as a Raspberry Pi under a SYN flood records them: the LOG
target's exact text (uptime stamp, IN= OUT= MAC= SRC= DST= ... SYN URGP=0 with its trailing
space, IPv6 sources fully expanded), Poisson timestamps at --rate lines per second, --sources
attacker addresses (a few heavy hitters, a long tail), and a --noise fraction of unrelated
kernel messages and non-SYN packets of other LOG rules, which no SYN filter should match.

Formats: syslog (rsyslog's RFC 3164 file format, the default), rfc3339 (RSYSLOG_FileFormat),
journal-export (systemd journal export records, for systemd-journal-remote), ulogd (ulogd2
LOGEMU output of an NFLOG rule).  The same options and --seed give the same file (dates are
rendered in the local time zone, as rsyslog does).  Memory use does not grow with --lines.

--kind sshd: an SSH brute force in OpenSSH 9.8+ wording (per-connection sshd-session[PID]
lines: Invalid user, PAM authentication failure, Failed password, maximum authentication
attempts exceeded, [preauth] disconnects; the listener's sshd[PID] PerSourcePenalties "drop
connection" lines), concurrent sessions interleaved, the admin's own logins and cron/logind
lines as noise; --fold folds a session's repeated failures into rsyslog's "message repeated N
times: [ ...]" (fail2ban's sshd filters do not read those). --kind apache-auth: Apache 2.4
error-log Basic-auth failures (AH01617, AH01618). --kind wordpress: the WP fail2ban plugin's
syslog lines. These three are syslog framed (Apache: its error-log stamp).

Example: f2btune flood -o flood.log --lines 100000 --sources 250 --rate 40
         f2btune flood -o auth.log --kind sshd --sources 1000 --fold
"""


def add_arguments(parser):
    from f2btune.flood import KINDS
    parser.add_argument("--kind", default="synflood", choices=KINDS,
                        help="what is flooded (default: synflood, kernel LOG lines)")
    parser.add_argument("--fold", action="store_true",
                        help="sshd: fold repeated failures into 'message repeated N times' lines")
    parser.add_argument("--sshd-tag", default="sshd-session", choices=("sshd-session", "sshd"),
                        help="sshd: program of the per-connection lines (OpenSSH >= 9.8: sshd-session, "
                             "the default; older: sshd)")
    parser.add_argument("-o", "--output", required=True, metavar="FILE",
                        help="file to write ('-' for standard output)")
    parser.add_argument("--lines", type=number(minimum=0), default=10000, metavar="N",
                        help="number of log records (default: 10000)")
    parser.add_argument("--sources", type=number(minimum=1), default=250, metavar="K",
                        help="distinct attacker addresses (default: 250)")
    parser.add_argument("--rate", type=number(float, above=0.0), default=40.0, metavar="LINES_PER_S",
                        help="mean log lines per second (default: 40)")
    parser.add_argument("--prefix", default=LOG_PREFIX, metavar="TEXT",
                        help="LOG prefix of the flood lines (default: '%s'; '' for none)" % LOG_PREFIX)
    parser.add_argument("--format", dest="fmt", default="syslog",
                        choices=("syslog", "rfc3339", "journal-export", "ulogd"),
                        help="how the lines reach the log (default: syslog)")
    parser.add_argument("--ipv6", type=FRACTION, default=0.1, metavar="FRACTION",
                        help="fraction of attacker addresses that are IPv6 (default: 0.1)")
    parser.add_argument("--noise", type=FRACTION, default=0.1, metavar="FRACTION",
                        help="fraction of unrelated kernel lines (default: 0.1)")
    parser.add_argument("--seed", type=int, default=1, metavar="S",
                        help="random seed (default: 1)")
    parser.add_argument("--start", type=number(float, minimum=0.0), default=None, metavar="EPOCH",
                        help="time of the first line, seconds since the epoch "
                             "(default: 2026-01-01 00:00 UTC, so that the output is reproducible)")


def run(args):
    from f2btune.errors import UsageError
    from f2btune.flood import write_flood
    if args.kind != "sshd" and (args.fold or args.sshd_tag != "sshd-session"):
        raise UsageError("--fold and --sshd-tag apply to --kind sshd only")
    if args.kind != "synflood" and args.fmt != "syslog":
        raise UsageError("--format %s is only for synflood; %s floods are written as syslog" % (args.fmt, args.kind))
    try:
        summary = write_flood(args.output, args.lines, kind=args.kind, fold=args.fold, sshd_tag=args.sshd_tag,
                              sources=args.sources, rate=args.rate,
                              prefix=args.prefix, fmt=args.fmt, ipv6=args.ipv6, noise=args.noise,
                              seed=args.seed, start=args.start)
    except ValueError as e:
        raise InputError(str(e))
    except OSError as e:
        raise InputError("cannot write %s: %s" % (args.output, e.strerror or e))
    if args.output != "-":
        import sys
        span = (summary["last"] - summary["first"]) if summary["lines"] else 0.0
        print("wrote %d lines (%s) to %s: %d attack lines (%d failures) from %d addresses, %d noise, "
              "%.0f s at %.1f lines/s" % (summary["lines"], args.kind, args.output, summary["attack_lines"],
                                          summary["failures"], summary["hosts"], summary["noise_lines"],
                                          span, args.rate), file=sys.stderr)
    return 0
