"""``f2btune server``: fail2ban's own server, with f2btune's backends registered first.

fail2ban has no backend plug-in hook, so the launcher adds ``f2btune`` and
``f2btune-journal`` to fail2ban's backend list (version-checked, see
:mod:`f2btune.backend.register`) and then runs ``fail2ban-server``'s unchanged entry point
with the given arguments, in this process.  ``--python EXE`` re-executes the launcher
under another interpreter first (e.g. pypy3), with fail2ban and f2btune on its path.
"""
import os
import shutil
import sys

from f2btune.errors import DependencyError, UsageError
from f2btune.f2b import interpreter_env

DROPIN_PATH = "/etc/systemd/system/fail2ban.service.d/f2btune.conf"


def resolve_python(python):
    """Path of interpreter ``python`` (name or path), proven to be a working Python; None for None."""
    from f2btune.interpreter import resolve
    return resolve(python) if python else None


def server_command(args, python=None):
    """argv that starts the f2btune-registered fail2ban server (for subprocesses)."""
    exe = resolve_python(python) if python else sys.executable
    return [exe, "-m", "f2btune.server"] + list(args)


def same_interpreter(exe):
    try:
        return os.path.samefile(exe, sys.executable)
    except OSError:
        return False


def pin_timezone(env=os.environ):
    """Set ``TZ=:/etc/localtime`` when TZ is unset (as under systemd).

    With TZ unset glibc stats /etc/localtime on every ``mktime``/``localtime`` call, i.e. on
    every date fail2ban parses (1 stat per line on CPython, 3 on PyPy: about half of PyPy's
    per-line Filter cost).  The price: a time-zone change needs a server restart.
    """
    if "TZ" not in env and os.path.exists("/etc/localtime"):
        env["TZ"] = ":/etc/localtime"
        import time
        time.tzset()


def main(args, python=None):
    """Run fail2ban-server with ``args`` (never returns when the server runs)."""
    if python:
        exe = resolve_python(python)
        if not same_interpreter(exe):
            argv = server_command(args, exe)
            sys.stdout.flush()
            sys.stderr.flush()
            os.execve(exe, argv, interpreter_env(exe))
    pin_timezone()
    from f2btune.backend.register import register
    register()
    try:
        from fail2ban.client.fail2banserver import exec_command_line
    except ImportError as e:  # pragma: no cover - check_version imported fail2ban already
        raise DependencyError("fail2ban-server is not importable: %s" % e)
    check_server_args(args)
    exec_command_line(["fail2ban-server"] + list(args))


def check_server_args(args):
    """UsageError when fail2ban-server's own option parser rejects ``args``.

    Runs fail2ban's ``initCmdLine`` up to its getopt step only: its usage text is printed and the
    option handling (help, version, config reading) is left to the real run.
    """
    from fail2ban.client.fail2bancmdline import ServerExecutionException
    from fail2ban.client.fail2banserver import Fail2banServer

    class Parsed(ServerExecutionException):   # re-raised by initCmdLine, never printed
        pass

    class Probe(Fail2banServer):
        def dispUsage(self):                  # called on a getopt error only
            Fail2banServer.dispUsage(self)
            raise Parsed(False)

        def _Fail2banCmdLine__getCmdLineOptions(self, options):   # reached when getopt accepted args
            raise Parsed(True)

    try:
        Probe().initCmdLine(["fail2ban-server"] + list(args))
        ok = True
    except Parsed as e:
        ok = e.args[0]
    if not ok:
        raise UsageError("fail2ban-server does not accept the arguments %s (its usage is above)"
                         % " ".join(args))


def dropin_text(python=None, f2btune=None):
    """The systemd drop-in that makes fail2ban.service start the server via ``f2btune server``.

    ``f2btune install`` writes it to /etc/systemd/system/fail2ban.service.d/f2btune.conf.
    """
    exe = f2btune or shutil.which("f2btune") or "/usr/bin/f2btune"
    py = " --python %s" % python if python else ""
    return (
        "# %s - written by f2btune install; remove it (and run\n"
        "# 'systemctl daemon-reload') to go back to the stock fail2ban-server.\n"
        "# f2btune server registers the f2btune backends (backend = f2btune,\n"
        "# backend = f2btune-journal) and runs fail2ban's own server unchanged.\n"
        "[Service]\n"
        "ExecStart=\n"
        "ExecStart=%s server%s -xf start\n" % (DROPIN_PATH, exe, py)
    )


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except Exception as e:
        from f2btune.errors import F2btuneError
        if isinstance(e, F2btuneError):
            print("f2btune server: error: %s" % e, file=sys.stderr)
            sys.exit(int(e.exit_status))
        raise
