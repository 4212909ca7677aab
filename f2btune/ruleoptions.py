"""The options of ``f2btune rules``, validated and normalised before any rule is built.

Each bad value is a :class:`~f2btune.errors.UsageError` with a one-line reason naming the
command-line option; the limits are iptables' and ipset's (log prefix length, timeout cap).
"""
import re

from f2btune.errors import UsageError
from f2btune.kernel.ipsetwire import TIMEOUT_MAX as IPSET_MAX_TIMEOUT
from f2btune.seed import BAN_LOG_PREFIX, LOG_PREFIX, VERIFIED_LOG_PREFIX

RATE_RE = re.compile(r"^[1-9]\d{0,6}/(second|minute|hour|day)$")
PORT_RE = re.compile(r"^\d{1,5}(?::\d{1,5})?(?:,\d{1,5}(?::\d{1,5})?){0,14}$")


def check_options(port=None, rate="20/second", burst=40, logprefix=LOG_PREFIX, log_rate="5/second",
                  in_kernel_ban=None, ban_logprefix=BAN_LOG_PREFIX, families=(4, 6), verified=False,
                  verified_logprefix=VERIFIED_LOG_PREFIX):
    """Validate and normalise the options; UsageError with a one-line reason."""
    if port is not None and port != "":
        port = str(port).strip()
        if not PORT_RE.match(port) or any(not 0 < int(p) < 65536 for p in re.split("[,:]", port)):
            raise UsageError("--port must be a port, a range a:b or a comma list, not %r" % port)
    else:
        port = None
    for name, value in (("--rate", rate), ("--log-rate", log_rate)):
        if not RATE_RE.match(str(value)):
            raise UsageError("%s must look like 20/second (or /minute, /hour, /day), not %r" % (name, value))
    try:
        burst = int(burst)
    except (TypeError, ValueError):
        raise UsageError("--burst must be an integer, not %r" % (burst,))
    if not 1 <= burst <= 10000:
        raise UsageError("--burst must be between 1 and 10000")
    for name, value in (("--logprefix", logprefix), ("--ban-logprefix", ban_logprefix),
                        ("--verified-logprefix", verified_logprefix)):
        if not value or len(value) > 29 or not all(32 <= ord(c) < 127 for c in value) or \
                any(c in value for c in "\"'\\"):
            raise UsageError("%s must be 1-29 printable ASCII characters without quotes or "
                             "backslashes (iptables' limit), not %r" % (name, value))
    if in_kernel_ban is not None:
        try:
            in_kernel_ban = int(in_kernel_ban)
        except (TypeError, ValueError):
            raise UsageError("--in-kernel-ban must be a number of seconds, not %r" % (in_kernel_ban,))
        if not 1 <= in_kernel_ban <= IPSET_MAX_TIMEOUT:
            raise UsageError("--in-kernel-ban must be between 1 and %d seconds" % IPSET_MAX_TIMEOUT)
        if verified:
            raise UsageError("--in-kernel-ban bans on SYNs, whose source can be forged: "
                             "it cannot be combined with --verified")
    families = tuple(sorted(set(int(f) for f in families)))
    if not families or any(f not in (4, 6) for f in families):
        raise UsageError("families must be 4, 6 or both")
    return dict(port=port, rate=str(rate), burst=burst, logprefix=logprefix, log_rate=str(log_rate),
                in_kernel_ban=in_kernel_ban, ban_logprefix=ban_logprefix, families=families,
                verified=bool(verified), verified_logprefix=verified_logprefix)
