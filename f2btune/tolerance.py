"""The tolerated addresses of a running jail (action.d/f2btune-tolerance.py), through fail2ban's socket.

The server holds the live state, so this talks to it with fail2ban's own client socket
(``CSocket``) and its action commands: ``get JAIL action NAME tolerated`` and
``set JAIL action NAME revoke {"ip": ADDR}``, exactly what ``fail2ban-client`` would send.
"""
import json
import time

from f2btune.errors import DependencyError, F2btuneError

ACTION = "f2btune-tolerance"
DEFAULT_SOCKET = "/var/run/fail2ban/fail2ban.sock"


def socket_path(confdir):
    """The socket fail2ban's own reader finds in CONFDIR/fail2ban.conf (+ .local, fail2ban.d)."""
    from f2btune.f2b import ensure_importable, quiet_logging
    ensure_importable()
    quiet_logging()
    from fail2ban.client.fail2banreader import Fail2banReader
    reader = Fail2banReader(basedir=confdir)
    try:
        reader.read()
        return reader.getEarlyOptions().get("socket") or DEFAULT_SOCKET
    except Exception:                 # no readable config there: fail2ban's own default
        return DEFAULT_SOCKET


def request(sock, command, timeout=10):
    """One command to the server; its answer, or F2btuneError with the server's reason."""
    from f2btune.f2b import ensure_importable
    ensure_importable()
    from fail2ban.client.csocket import CSocket
    try:
        client = CSocket(sock, timeout=timeout)
    except OSError as e:
        raise DependencyError("cannot reach fail2ban at %s (%s): is the server running?" % (sock, e))
    try:
        code, value = client.send(command)
    except (OSError, EOFError) as e:
        raise F2btuneError("fail2ban at %s did not answer (%s)" % (sock, e))
    finally:
        client.close()
    if code != 0:
        raise F2btuneError("fail2ban refused %r: %s" % (" ".join(command), value))
    return value


def listing(sock, jail, action=ACTION):
    """[(address or network, account, expires, granted), ...] of ``jail``."""
    return [tuple(e) for e in request(sock, ["get", jail, "action", action, "tolerated"])]


def revoke(sock, jail, ip, action=ACTION):
    """True if ``ip`` (or its tolerated network) was tolerated and no longer is."""
    return bool(request(sock, ["set", jail, "action", action, "revoke", json.dumps({"ip": ip})]))


def format_rows(entries, now=None):
    """One line per entry: address, account, expiry (local time) and what remains."""
    now = time.time() if now is None else now
    rows = [("ADDRESS", "ACCOUNT", "EXPIRES", "LEFT")]
    for key, user, expires, _granted in entries:
        left = max(0, int(expires - now))
        rows.append((key, user, time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(expires)),
                     "%dh%02dm%02ds" % (left // 3600, left % 3600 // 60, left % 60)))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return ["  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3] for r in rows]
