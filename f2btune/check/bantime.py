"""Findings on ban times: escalation without a database, timeouts ipset cannot hold."""
from f2btune.check.findings import Finding, finding_type
from f2btune.kernel.ipset import TIMEOUT_MAX as IPSET_MAX_TIMEOUT

INCREMENT_NO_DB = finding_type(
    "increment-no-db", "warning", "bantime.increment without a database",
    "fail2ban computes the escalated ban time from the database's ban history; without a "
    "database (dbfile = :memory: or None) bantime.increment has no effect")
BANTIME_OVER_IPSET_LIMIT = finding_type(
    "bantime-over-ipset-limit", "warning", "ban time beyond ipset's timeout limit",
    "ipset rejects timeouts above 2147483 s (about 24.8 days, fail2ban #2720): the ban action fails "
    "(f2btune-ipset.py re-arms such bans instead)")


def seconds(value):
    """fail2ban's own time parser ('10m', '1w', '-1', ...); None when unset or unparsable."""
    if value is None or str(value).strip() == "":
        return None
    from fail2ban.server.mytime import MyTime
    try:
        return float(MyTime.str2seconds(str(value)))
    except Exception:
        return None


def truthy(value):
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def check_increment_db(jail, ctx):
    if truthy(jail.settings.get("bantime.increment")) and not ctx.config.has_database:
        yield Finding(INCREMENT_NO_DB, jail.name,
                      "bantime.increment = true but dbfile = %s" % ctx.config.dbfile,
                      fix="set dbfile in fail2ban.local (Debian default /var/lib/fail2ban/fail2ban.sqlite3)")


def _ipset_actions(jail):
    """ipset actions that fail on longer timeouts (f2btune-ipset.py re-arms its entries instead)."""
    return [a.name for a in jail.actions if a.name != "f2btune-ipset" and (
        "ipset" in a.name.lower() or "ipset" in (a.path or "").lower() or "ipset" in a.actionban)]


def check_ipset_limit(jail, ctx):
    ipset = _ipset_actions(jail)
    if not ipset:
        return
    bantime = seconds(jail.settings.get("bantime"))
    if truthy(jail.settings.get("bantime.increment")):
        maxtime = seconds(jail.settings.get("bantime.maxtime"))
        if maxtime is None or maxtime <= 0:
            yield Finding(BANTIME_OVER_IPSET_LIMIT, jail.name,
                          "bantime.increment without bantime.maxtime can exceed ipset's %d s (action %s)"
                          % (IPSET_MAX_TIMEOUT, ", ".join(ipset)),
                          fix="bantime.maxtime = 24d (or less)")
            return
        if maxtime > IPSET_MAX_TIMEOUT:
            yield Finding(BANTIME_OVER_IPSET_LIMIT, jail.name,
                          "bantime.maxtime = %d s exceeds ipset's %d s (action %s)"
                          % (maxtime, IPSET_MAX_TIMEOUT, ", ".join(ipset)),
                          fix="bantime.maxtime = 24d (or less)")
            return
    if bantime is not None and bantime > IPSET_MAX_TIMEOUT:
        yield Finding(BANTIME_OVER_IPSET_LIMIT, jail.name,
                      "bantime = %d s exceeds ipset's %d s (action %s)"
                      % (bantime, IPSET_MAX_TIMEOUT, ", ".join(ipset)),
                      fix="bantime = 24d or less (or -1 for permanent bans kept by fail2ban)")


FINDINGS = (INCREMENT_NO_DB, BANTIME_OVER_IPSET_LIMIT)
CHECKS = (check_increment_db, check_ipset_limit)
