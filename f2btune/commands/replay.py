"""``f2btune replay``: a real fail2ban-server in a sandbox (and peers) fed a flood; CPU, lag, bans."""

from f2btune.seed import SEED_REGEX

HELP = "replay a flood into a sandboxed fail2ban-server (and sshguard/CrowdSec) and measure CPU, lag, bans"

DESCRIPTION = """\
Start a real fail2ban-server in a private sandbox (own config dir, socket, pid file,
database, log; its firewall actions run inside a network namespace created for the run and
deleted afterwards: nothing on the host changes), append a flood to its log and measure.

Floods (--kind, see f2btune flood --help): synflood (kernel LOG lines, default), sshd
(OpenSSH 9.x), apache-auth, wordpress.  Scenarios: closed (a banned source stops writing, as
DROP stops its packets) and open (banned sources keep writing, as spoofed or NATed sources
do: every line must be read).  By default both run at max rate: closed with 250 sources,
open with 100 000 (--scenario picks one, --sources sets the count), then closed-loop rows
at 5, 40 and 400 lines/s for 60 s each (--low-rates, --low-rate-seconds) and each
profile's CPU over a minute without traffic (--idle-seconds).  A source is due a ban by
fail2ban's FailManager rule (maxretry failures within findtime), and its ban latency runs
from the failure that made it due; with --cpu-quota each row notes its share of the budget.

Profiles (both run by default, the table shows their ratio):
  stock   fail2ban 1.0.2 as shipped: backend = pyinotify (systemd for --source journal),
          loglevel INFO, iptables-ipset-proto6-allports; filter: synflood the seed regex
          """ + SEED_REGEX + """; sshd stock sshd.conf with
          _daemon = sshd(?:-session)? (stock's _daemon = sshd misses OpenSSH 9.8's
          sshd-session lines); apache-auth stock apache-auth.conf; wordpress the WP fail2ban
          plugin's messages
  tuned   synflood: jail.d/f2btune.conf [f2btune-synflood]; others: filter f2btune-KIND,
          f2btune-ipset.py action; backend = f2btune (f2btune-journal), loglevel NOTICE
  FILE    a jail.local-style file: its first jail section (logpath is replaced)
  Settings: synflood maxretry 10 / findtime 30 / bantime 30 (the tuned jail's), the others
  fail2ban's defaults 5 / 10m / 10m; peers get the same thresholds.

Peers (--peer, same flood, same table):
  sshguard  Debian's sshguard (sshg-logtail | sshg-parser | sshg-blocker, -a 10*maxretry
            -s findtime -p bantime); its firewall backend is replaced by the replay, which
            records the block commands and applies nothing.  No grammar for kernel LOG lines,
            Apache error logs or WP fail2ban lines: it bans only in the sshd flood.
  crowdsec  Debian's crowdsec, offline: agent + local API with a private config and database,
            collections linked from the package's hub snapshot, the flood read with
            acquisition from the file.  Its iptables scenario looks for port scans, not SYN
            floods.
--source journal: the flood is streamed as journal export records into
systemd-journal-remote, which appends to a journal file; stock reads it with backend =
systemd, tuned with f2btune-journal (synflood and sshd floods).  journal-remote's own CPU
is not counted (journald's would not be either); lag is not visible (mmap reads).

Method:
  - lines get the wall-clock stamp when written, one write() per line; a ban is the
    address seen in an ipset of the namespace (polled every 5 ms over netlink), sshguard's
    block command or crowdsec's decision;
  - CPU window: start-up (config load, imports, the actions' start) is paid once
    whatever the load, so it is left out for every profile alike: the flood starts once
    the reader has gone quiet (< 2 % of a CPU over 0.3 s); the window ends when it has
    read everything written and every source at maxretry is banned (or bans stopped
    coming for 3 s), +0.2 s;
  - server CPU = scheduler run time of all its threads (/proc/PID/task/*/schedstat) plus
    reaped forked actions; read bytes (/proc/PID/io rchar) every 50 ms; lag = bytes
    written - bytes read by the server, in lines;
  - lines = every line written to the log (attack and unrelated lines: the server has to
    read them all); CPU s per 10 000 lines = server CPU over the window / lines * 10 000
    (estimated from the bytes read if the server did not catch up within the limit);
  - ban latency = the ban visible - the writer writing that source's maxretry-th failure;
  - closed loop: a profile that bans sooner writes fewer lines, and its per-line figure
    carries the fixed cost of its bans (fail2ban's ban path, observer, database) over
    them; the "in total" ratio compares CPU for the same offered flood. The JSON rows
    hold thread_cpu_s: the window's CPU per server thread.
  The machine may be shared: compare profiles within one run (ratios).

--find-max-rate: for each profile, the highest rate it sustains for --window seconds
(default 60) under --cpu-quota without growing lag (open loop, a fresh server per probe,
started uncapped; sustained = the writer kept the rate and the lag at the end of the window
stayed under 0.5 s of lines), by doubling from --rate (default 50), then bisection.

Needs root, ip, ipset, iptables. --cpu-quota uses cgroup v2 cpu.max where the cpu
controller is available, else the v1 CFS quota.
"""


def add_arguments(parser):
    from f2btune.flood import KINDS
    parser.add_argument("--kind", default="synflood", choices=KINDS, help="flood to replay (default synflood)")
    parser.add_argument("--scenario", choices=("closed", "open"),
                        help="closed or open loop (default: both, closed/250 and open/100000 sources)")
    parser.add_argument("--peer", action="append", choices=("sshguard", "crowdsec"),
                        help="also replay the flood into this peer (repeatable)")
    parser.add_argument("--source", default="file", choices=("file", "journal"),
                        help="where the flood goes: a log file (default) or a journal file")
    parser.add_argument("--fold", action="store_true",
                        help="sshd: fold repeated failures into 'message repeated N times' lines")
    parser.add_argument("--sshd-tag", default="sshd-session", choices=("sshd-session", "sshd"),
                        help="sshd: program of the per-connection lines (default sshd-session, OpenSSH >= 9.8)")
    parser.add_argument("--profile", action="append", metavar="stock|tuned|JAIL_LOCAL",
                        help="profile to run (repeatable; default: stock and tuned)")
    parser.add_argument("--lines", type=int, default=100000, help="flood lines offered (default 100000)")
    parser.add_argument("--sources", type=int,
                        help="attacking addresses (default 250 closed, 100000 open)")
    parser.add_argument("--rate", default="max", help="lines per second, or max (default)")
    parser.add_argument("--python", action="append", metavar="EXE",
                        help="interpreter for the server (repeatable, e.g. pypy3; default: this one)")
    parser.add_argument("--cpu-quota", type=float, metavar="PERCENT",
                        help="cap the server at PERCENT of one CPU (cgroup)")
    parser.add_argument("--format", default="syslog", choices=("syslog", "rfc3339"),
                        help="log line stamps (default syslog, RFC3164)")
    parser.add_argument("--seed", type=int, default=1, help="flood seed (default 1)")
    parser.add_argument("--backend-options", metavar="OPTS",
                        help='options for the tuned backend, e.g. maxdelay=50ms')
    parser.add_argument("--low-rates", metavar="R,R,...|none",
                        help="also closed-loop rows at these rates (lines/s), --low-rate-seconds each "
                             "(default without --scenario and --rate: 5,40,400)")
    parser.add_argument("--low-rate-seconds", type=float, default=60.0, metavar="SECONDS",
                        help="how long each low-rate row writes (default 60)")
    parser.add_argument("--idle-seconds", type=float, metavar="SECONDS",
                        help="measure each profile's CPU this long without traffic "
                             "(default without --scenario and --rate: 60; 0: skip)")
    parser.add_argument("--find-max-rate", action="store_true",
                        help="search the highest rate each profile sustains without growing lag "
                             "(open loop; --rate is the first probe, default 50)")
    parser.add_argument("--window", type=float, default=60.0, metavar="SECONDS",
                        help="--find-max-rate: seconds each probe rate must be sustained (default 60)")
    parser.add_argument("--precision", type=float, default=10.0, metavar="PERCENT",
                        help="--find-max-rate: stop when the bounds are this close (default 10)")
    parser.add_argument("--json", metavar="FILE", help="write the summary as JSON")
    parser.add_argument("--plot", metavar="FILE.png", help="plot lag over time (PNG)")


def run(args):
    from f2btune.errors import UsageError
    from f2btune.replay import report, runner
    rate = None
    if str(args.rate).lower() != "max":
        try:
            rate = float(args.rate)
        except ValueError:
            raise UsageError("--rate must be a number of lines per second or 'max'")
    from f2btune.interpreter import resolve
    for python in args.python or ():
        resolve(python)   # a missing or broken interpreter fails here, before any namespace exists
    if args.find_max_rate:
        return _find_max_rate(args, rate)
    full = not args.scenario and rate is None
    low = args.low_rates if args.low_rates is not None else ("5,40,400" if full else "none")
    try:
        low_rates = () if low.strip().lower() == "none" else tuple(float(x) for x in low.split(",") if x.strip())
    except ValueError:
        raise UsageError("--low-rates must be rates in lines/s separated by commas, or none")
    idle_s = args.idle_seconds if args.idle_seconds is not None else (60.0 if full else 0.0)
    summary = runner.run_replay(
        profiles=tuple(args.profile or ("stock", "tuned")),
        pythons=tuple(args.python or (None,)),
        lines=args.lines, sources=args.sources, rate=rate, cpu_quota=args.cpu_quota,
        seed=args.seed, fmt=args.format, backend_opts=args.backend_options, kind=args.kind,
        scenarios=(args.scenario,) if args.scenario else None, peers=tuple(args.peer or ()),
        source=args.source, fold=args.fold, sshd_tag=args.sshd_tag, low_rates=low_rates,
        low_rate_s=args.low_rate_seconds, idle_s=idle_s,
        progress=lambda msg: print("replay: " + msg, flush=True))
    for line in report.table_lines(summary):
        print(line)
    if args.json:
        report.write_json(summary, args.json)
    if args.plot:
        report.plot_lag(summary, args.plot)
    return 0


def _find_max_rate(args, rate):
    from f2btune.errors import UsageError
    from f2btune.replay import maxrate, report, runner
    if args.peer or args.source != "file" or args.scenario == "closed" or args.plot or args.fold:
        raise UsageError("--find-max-rate runs fail2ban profiles on an open-loop file flood: "
                         "drop --peer, --source, --scenario closed, --fold and --plot")
    if args.window < 1 or args.precision < 1:
        raise UsageError("--window must be at least 1 s and --precision at least 1 %")
    profiles = tuple(args.profile or ("stock", "tuned"))
    runner.check_arguments(profiles, 100, args.sources, rate, args.kind, "file", (), ("open",), args.format)
    runner.check_environment()
    pythons = args.python or [None]
    if len(pythons) > 1:
        raise UsageError("--find-max-rate takes one --python")
    summary = maxrate.run_find_max_rate(
        profiles=profiles, window=args.window, start=rate, precision=1 + args.precision / 100.0,
        cpu_quota=args.cpu_quota, kind=args.kind, sources=args.sources or 250, seed=args.seed,
        python=pythons[0], backend_opts=args.backend_options,
        progress=lambda msg: print("replay: " + msg, flush=True))
    for line in maxrate.table_lines(summary):
        print(line)
    if args.json:
        report.write_json(summary, args.json)
    return 0
