"""Findings on what a jail runs per failure and per ban: shell actions, uncached ignorecommand."""
from f2btune.check.findings import Finding, finding_type

COMMAND_BAN_ACTION = finding_type(
    "command-ban-action", "warning", "shell ban action on a busy jail",
    "a command action forks sh per ban (and per unban): ~5 bans/s on old versions (fail2ban #1382), "
    "~360 ms per iptables ban reported (#1132), hours to restore 20 000 bans (#3088)")
IGNORECOMMAND_NO_CACHE = finding_type(
    "ignorecommand-no-cache", "warning", "ignorecommand without ignorecache",
    "ignorecommand forks a process for every failure unless ignorecache is set")


def check_command_actions(jail, ctx):
    busy = ctx.busy(jail)
    if not busy:
        return
    shell = [a for a in jail.actions if a.kind == "cmd" and a.actionban.strip()]
    if shell:
        yield Finding(COMMAND_BAN_ACTION, jail.name,
                      "%s run%s a shell command per ban, and this jail is busy (%s)"
                      % (", ".join(a.name for a in shell), "s" if len(shell) == 1 else "", busy),
                      fix="banaction = f2btune-ipset.py (bans over netlink, no fork)")


def check_ignorecommand(jail, ctx):
    if (jail.settings.get("ignorecommand") or "").strip() and not (jail.settings.get("ignorecache") or "").strip():
        yield Finding(IGNORECOMMAND_NO_CACHE, jail.name,
                      "ignorecommand runs for every failure (no ignorecache)",
                      fix='ignorecache = key="<ip>", max-count=100, max-time=5m')


FINDINGS = (COMMAND_BAN_ACTION, IGNORECOMMAND_NO_CACHE)
CHECKS = (check_command_actions, check_ignorecommand)
