"""The ``f2btune`` command: a thin dispatcher over one module per subcommand.

Each module in :mod:`f2btune.commands` defines ``HELP`` (one line), ``DESCRIPTION``
(optional, shown by ``--help``), ``add_arguments(parser)`` and ``run(args) -> int``.
Command modules import their core lazily so that ``f2btune --help`` stays fast.
"""
import argparse
import importlib
import signal
import sys

from f2btune import __version__
from f2btune.errors import ExitStatus, F2btuneError

COMMANDS = (
    "flood",
    "bench",
    "suggest-regex",
    "rules",
    "replay",
    "server",
    "install",
    "uninstall",
    "check",
    "fleet",
    "tolerance",
)


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error on one line (what is wrong, and where the help is), exit status 2."""

    def error(self, message):
        self.exit(int(ExitStatus.USAGE), "%s: error: %s (see '%s --help')\n" % (self.prog, message, self.prog))


def _module(command):
    return importlib.import_module("f2btune.commands." + command.replace("-", "_"))


def build_parser():
    parser = Parser(
        prog="f2btune",
        description="Measure and tune fail2ban for small machines and large floods.",
    )
    parser.add_argument("--version", action="version", version="f2btune " + __version__)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for command in COMMANDS:
        module = _module(command)
        p = sub.add_parser(
            command,
            help=module.HELP,
            description=getattr(module, "DESCRIPTION", module.HELP),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def _interrupt(signum, frame):
    raise KeyboardInterrupt("signal %d" % signum)


def _terminate_as_interrupt():
    """SIGTERM and SIGHUP end a command the way Ctrl-C does, so what it set up (a replay's
    server, namespace and cgroup, a flood's writer) is torn down; returns the handlers to
    restore.  ``f2btune server`` installs fail2ban's own handlers over these."""
    previous = {}
    for sig in (signal.SIGTERM, signal.SIGHUP):
        try:
            previous[sig] = signal.signal(sig, _interrupt)
        except ValueError:          # not the main thread (an embedding caller): leave them
            break
    return previous


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    previous = _terminate_as_interrupt()
    try:
        return int(args._run(args) or ExitStatus.OK)
    except F2btuneError as e:
        print("f2btune %s: error: %s" % (args.command, e), file=sys.stderr)
        return int(e.exit_status)
    except KeyboardInterrupt:
        print("f2btune %s: interrupted" % args.command, file=sys.stderr)
        return int(ExitStatus.INTERRUPTED)
    except BrokenPipeError:
        # e.g. `f2btune rules | head`: not an error worth a traceback
        sys.stderr.close()
        return int(ExitStatus.OK)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
