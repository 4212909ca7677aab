"""Small fail2ban configurations for the check tests: stock /etc/fail2ban + one test jail."""
import os
import textwrap
import time

from f2btune.paths import build_confdir
from f2btune.seed import SEED_REGEX  # noqa: F401  (re-exported for the check tests)

ANCHORED = r"^\s*\S+ app\[\d+\]: Failed login from <ADDR>\s*$"


def app_lines(n=40, step=10.0, start=None, hosts=4):
    """RFC 3164 lines of a toy 'app' logging failed logins (recent dates)."""
    start = start if start is not None else time.time() - 3600
    out = []
    for i in range(n):
        stamp = time.strftime("%b %d %H:%M:%S", time.localtime(start + i * step))
        out.append("%s host app[42]: Failed login from 192.0.2.%d" % (stamp, 1 + i % hosts))
    return out


def iso_lines(n=40, step=10.0, start=None, hosts=4):
    """The same lines stamped "YYYY-MM-DD HH:MM:SS" (ISO with a space, no zone: CentOS, syslog-ng)."""
    start = start if start is not None else time.time() - 3600
    return ["%s%s" % (time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(start + i * step)), l[15:])
            for i, l in enumerate(app_lines(n, step, start, hosts))]


def make_conf(tmp_path, jail="", filters=None, fail2ban="", log_lines=None, stock_jails=False, name="test"):
    """A private confdir: stock config linked, f2btune snippets, filter.d/<name>.conf, jail.d/test.local.

    ``jail`` is extra text for the [name] section; ``{log}`` in it is the test log's path.
    Returns the confdir path.
    """
    conf = build_confdir(str(tmp_path / "conf"), enable_stock_jails=stock_jails)
    log = str(tmp_path / "app.log")
    with open(log, "w") as f:
        f.write("\n".join(log_lines if log_lines is not None else app_lines()) + "\n")
    for fname, body in (filters or {"test": "failregex = %s\n" % ANCHORED}).items():
        with open(os.path.join(conf, "filter.d", fname + ".conf"), "w") as f:
            f.write("[Definition]\n" + body)
    options = [("enabled", "true"), ("filter", "test"), ("logpath", "{log}"), ("backend", "pyinotify"),
               ("usedns", "no"), ("datepattern", "^%%b %%d %%H:%%M:%%S")]
    extra = textwrap.dedent(jail)
    own, _, rest = extra.partition("\n[")
    if extra.startswith("["):
        own, rest = "", extra[1:]
    for line in own.splitlines():
        if line[:1].isspace() and line.strip() and options:   # continuation of the previous option
            options[-1] = (options[-1][0], options[-1][1] + "\n    " + line.strip())
        elif "=" in line:
            key, value = [x.strip() for x in line.split("=", 1)]
            options = [(k, v) for k, v in options if k != key] + [(key, value)]
    text = "[%s]\n" % name + "".join("%s = %s\n" % kv for kv in options)
    if rest:
        text += "\n[" + rest
    with open(os.path.join(conf, "jail.d", "test.local"), "w") as f:
        f.write(text.replace("{log}", log))
    if fail2ban:
        with open(os.path.join(conf, "fail2ban.local"), "w") as f:
            f.write("[Definition]\n" + textwrap.dedent(fail2ban))
    return conf


def ids(report, jail="test"):
    return sorted(set(f.id for f in report.findings if f.jail == jail))
