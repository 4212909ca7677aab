"""Findings on fail2ban's own logging: a record per failure on a busy jail."""
import logging

from f2btune.check.findings import Finding, finding_type

LOGLEVEL_INFO = finding_type(
    "loglevel-info", "warning", "INFO logging on a busy jail",
    "at loglevel INFO fail2ban writes a 'Found <ip>' record per failure: +~8 us per failure to a "
    "file, ~23 % of the server's samples under a SYN flood (measured, fail2ban 1.0.2)")


def level_number(name):
    from fail2ban.helpers import str2LogLevel
    try:
        return str2LogLevel(name)
    except Exception:
        return logging.INFO


def check_loglevel(jail, ctx):
    if level_number(ctx.config.loglevel) > logging.INFO:
        return
    busy = ctx.busy(jail)
    if busy:
        yield Finding(LOGLEVEL_INFO, jail.name,
                      "loglevel = %s logs every failure of this busy jail (%s)" % (ctx.config.loglevel, busy),
                      fix="loglevel = NOTICE in fail2ban.local (bans and unbans are still logged)")


FINDINGS = (LOGLEVEL_INFO,)
CHECKS = (check_loglevel,)
