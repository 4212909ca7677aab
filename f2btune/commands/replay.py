"""``f2btune replay``: a real fail2ban-server in a sandbox, fed a closed-loop SYN flood."""

HELP = "replay a SYN flood into a sandboxed fail2ban-server and measure CPU, lag, ban latency"

DESCRIPTION = """\
Start a real fail2ban-server in a private sandbox (own config dir, socket, pid file,
database, log; its firewall actions run inside a network namespace created for the run and
deleted afterwards: nothing on the host changes), append a SYN flood to its log and measure.

Profiles (both run by default, the table shows their ratio):
  stock   the brief's seed regex  kernel:.*?SRC=(?:::f{4,6}:)?<HOST> DST.*?SYN,
          backend = pyinotify, loglevel INFO, fail2ban's iptables-ipset-proto6-allports
          action; maxretry/findtime/bantime as the tuned jail
  tuned   jail.d/f2btune.conf [f2btune-synflood] (filter f2btune-synflood, f2btune-ipset.py
          action, escalating bans) with backend = f2btune, loglevel NOTICE
  FILE    a jail.local-style file: its first jail section (logpath is replaced)

Method:
  - closed loop: lines of a source stop once it is banned (its address is seen in an ipset
    of the namespace), as the DROP rule would stop its packets; lines get the wall-clock
    syslog stamp when written, one write() per line;
  - CPU window: start-up (config load, imports, the actions' start) is paid once
    whatever the load, so it is left out for every profile alike: the flood starts once
    the server has gone quiet (< 2 % of a CPU over 0.3 s; the tuned backend runs
    fail2ban's first garbage collection at jail start, stock at its 100th failure, inside
    the window: tens of ms against stock's seconds); the window ends when the server has read everything written and every source
    at maxretry is banned (+0.2 s);
  - server CPU = scheduler run time of all its threads (/proc/PID/task/*/schedstat) plus
    reaped forked actions; read bytes (/proc/PID/io rchar) every 50 ms; lag = bytes
    written - bytes read by the server, in lines;
  - lines = every line written to the log (attack and unrelated lines: the server has to
    read them all); CPU s per 10 000 lines = server CPU over the window / lines * 10 000
    (estimated from the bytes read if the server did not catch up within the limit);
  - ban latency = ban visible in the namespace's ipset (polled every 5 ms over netlink)
    - the writer writing that source's maxretry-th line;
  - closed loop: a profile that bans sooner writes fewer lines, and its per-line figure
    carries the fixed cost of its bans (fail2ban's ban path, observer, database) over
    them; the "in total" ratio compares CPU for the same offered flood. The JSON rows
    hold thread_cpu_s: the window's CPU per server thread.
  Five engineers may share this machine: compare profiles within one run (ratios).

Needs root, ip, ipset, iptables. --cpu-quota uses cgroup v2 cpu.max where the cpu
controller is available, else the v1 CFS quota.
"""


def add_arguments(parser):
    parser.add_argument("--profile", action="append", metavar="stock|tuned|JAIL_LOCAL",
                        help="profile to run (repeatable; default: stock and tuned)")
    parser.add_argument("--lines", type=int, default=100000, help="flood lines offered (default 100000)")
    parser.add_argument("--sources", type=int, default=250, help="attacking addresses (default 250)")
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
    summary = runner.run_replay(
        profiles=tuple(args.profile or ("stock", "tuned")),
        pythons=tuple(args.python or (None,)),
        lines=args.lines, sources=args.sources, rate=rate, cpu_quota=args.cpu_quota,
        seed=args.seed, fmt=args.format, backend_opts=args.backend_options,
        progress=lambda msg: print("replay: " + msg, flush=True))
    for line in report.table_lines(summary):
        print(line)
    if args.json:
        report.write_json(summary, args.json)
    if args.plot:
        report.plot_lag(summary, args.plot)
    return 0
