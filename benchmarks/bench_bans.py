#!/usr/bin/env python3
"""Bans per second and CPU per ban: f2btune-ipset.py vs fail2ban's iptables-ipset and iptables-multiport.

Run as root from the repository:  .venv/bin/python benchmarks/bench_bans.py [-o bans.json] [--fast]

Method: the script re-runs itself inside a throw-away network namespace (the host firewall is
never touched), where pyperf's worker processes build each action exactly as fail2ban-server
does (the Python action through fail2ban's Actions.add, the command actions through fail2ban's
ActionReader -> CommandAction), start it, and call ban() with fresh addresses, the way the
Actions thread does.  Two values per action, both per ban:
  "ban <action>"      wall-clock seconds  -> bans/s = 1 / mean
  "cpu <action>"      CPU seconds of the process AND its children (sh, iptables, ipset)
Command actions fork a shell per ban; iptables-multiport also adds one rule per address, so it
slows down as bans accumulate (each worker keeps its bans, as a real jail would).
All actions run in ONE invocation on the same machine: compare them as ratios.
"""
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

import pyperf  # noqa: E402

ACTIONS = ("f2btune-ipset.py", "iptables-ipset", "iptables-multiport")
_state = {}


def _build(name, confdir):
    from f2btune import f2b
    f2b.ensure_importable()
    f2b.quiet_logging()
    from fail2ban.client.actionreader import ActionReader
    from fail2ban.server.jail import Jail
    jail = Jail("bench", backend="polling")
    jail.actions.setBanTime(600)
    if name.endswith(".py"):
        jail.actions.add(name[:-3], os.path.join(confdir, "action.d", name),
                         {"port": "22", "protocol": "tcp", "blocktype": "DROP", "maxelem": "1000000"})
        action = jail.actions[name[:-3]]
    else:
        reader = ActionReader(name, jail.name, {"port": "22", "protocol": "tcp", "chain": "INPUT"},
                              basedir=confdir)
        if not reader.read():
            raise SystemExit("cannot read action %s" % name)
        reader.getOptions({})
        action = None
        for cmd in reader.convert():
            # the same calls fail2ban's Transmitter makes for these commands
            if cmd[2] == "addaction":
                jail.actions.add(cmd[3])
                action = jail.actions[cmd[3]]
            elif cmd[0] == "multi-set":
                for key, value in cmd[4]:
                    setattr(action, key, value)
            elif cmd[2] == "action":
                setattr(action, cmd[4], cmd[5])
    action.start()
    return jail, action


def _addresses():
    n = 0
    while True:
        n += 1
        yield "10.%d.%d.%d" % (n >> 16 & 255, n >> 8 & 255, n & 255)


def _ban(loops, name, confdir, measure):
    if name not in _state:
        jail, action = _build(name, confdir)
        # a distinct address range per worker process
        _state[name] = (jail, action, _addresses())
    jail, action, ips = _state[name]
    from fail2ban.server.ticket import BanTicket
    infos = []
    for _ in range(loops):
        t = BanTicket(next(ips), time.time())
        infos.append(jail.actions._getActionInfo(t))
    c0, r0 = time.process_time(), resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    for info in infos:
        action.ban(info)
    wall = time.perf_counter() - t0
    c1, r1 = time.process_time(), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (c1 - c0) + (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    refused = sum(len(f.pending) for f in getattr(action, "families", {}).values())
    if refused:
        raise RuntimeError("the kernel refused %d ban(s): the figures would be wrong" % refused)
    return wall if measure == "ban" else cpu


def _reexec_in_namespace():
    from f2btune import netns
    name = "f2bt-ban-bench%d" % os.getpid()
    ns = netns.Netns(name)
    ns.create()
    try:
        return subprocess.call(netns.exec_args(name, [sys.executable] + sys.argv + ["--inside", name]))
    finally:
        ns.delete()


def _forward(cmd, args):
    """pyperf hook: give worker processes our own options (they do not inherit the environment)."""
    cmd.extend(["--inside", args.inside, "--confdir", args.confdir, "--actions", args.actions])


def main():
    if os.geteuid() != 0:
        raise SystemExit("bench_bans.py: needs root (network namespace, iptables, ipset)")
    if "--inside" not in sys.argv:
        raise SystemExit(_reexec_in_namespace())
    runner = pyperf.Runner(add_cmdline_args=_forward)
    runner.argparser.add_argument("--actions", default=",".join(ACTIONS),
                                  help="comma list of actions (default: %(default)s)")
    runner.argparser.add_argument("--inside", help=argparse_hidden())
    runner.argparser.add_argument("--confdir", help=argparse_hidden())
    args = runner.parse_args()
    from f2btune import paths
    created = not args.confdir
    if created:
        # one private config dir (stock actions + ours) per run; workers get its path
        args.confdir = tempfile.mkdtemp(prefix="f2bt-ban-bench-")
        paths.build_confdir(os.path.join(args.confdir, "conf"))
    runner.metadata["f2btune_netns"] = args.inside
    try:
        for name in args.actions.split(","):
            if name not in ACTIONS:
                raise SystemExit("bench_bans.py: unknown action %r (known: %s)" % (name, ", ".join(ACTIONS)))
            for measure in ("ban", "cpu"):
                runner.bench_time_func("%s %s" % (measure, name), _ban, name,
                                       os.path.join(args.confdir, "conf"), measure)
    finally:
        if created:
            shutil.rmtree(args.confdir, ignore_errors=True)


def argparse_hidden():
    import argparse
    return argparse.SUPPRESS


if __name__ == "__main__":
    main()
