"""Findings on how a jail reads its log: polling, journal without a match, missing log files,
logs that are not sampled (named pipes, devices) or only in part (huge files)."""
import os

from f2btune.check.config import journald_only, missing_logpaths
from f2btune.check.findings import Finding, finding_type
from f2btune.check.sample import HUGE_BYTES, SAMPLE_BYTES
from f2btune.files import not_regular

POLLING_BACKEND = finding_type(
    "polling-backend", "warning", "polling backend",
    "polling stats every log file with a 0.2 -> 2 s back-off: wake-ups when idle, up to 2 s latency "
    "when a flood starts; pyinotify reads on IN_MODIFY")
SYSTEMD_NO_JOURNALMATCH = finding_type(
    "systemd-no-journalmatch", "warning", "systemd backend without journalmatch",
    "without journalmatch every journal entry is read, every field converted and the line "
    "matched (fail2ban's systemd backend converts all fields of each entry)")
MISSING_LOGFILE = finding_type(
    "missing-logfile", "error", "log file missing",
    "fail2ban-client -t and the server refuse a file jail whose logpath matches no file; on Debian 12 "
    "without rsyslog this is backend = auto on a journald-only system (fail2ban #3567, Debian #1037437)")

LOG_NOT_SAMPLED = finding_type(
    "log-not-sampled", "info", "log not sampled, or only its end",
    "f2btune check reads the end of regular files only (at most %d KiB): a named pipe or a device "
    "could block it or never end" % (SAMPLE_BYTES // 1024))


def _backend_name(jail):
    return jail.backend.split("[", 1)[0].strip().lower()


def check_polling(jail, ctx):
    if _backend_name(jail) in ("polling", "gamin"):
        yield Finding(POLLING_BACKEND, jail.name, "backend = %s" % jail.backend,
                      fix="backend = pyinotify (python3-pyinotify), or f2btune's backend via 'f2btune server'")


def check_journalmatch(jail, ctx):
    if jail.uses_journal and not jail.journalmatch:
        yield Finding(SYSTEMD_NO_JOURNALMATCH, jail.name,
                      "backend = %s reads the whole journal: no journalmatch" % jail.backend,
                      fix="set journalmatch in the filter or jail (e.g. _SYSTEMD_UNIT=sshd.service, or "
                          "_TRANSPORT=kernel for netfilter LOG lines)")


def check_logfiles(jail, ctx):
    missing = missing_logpaths(jail)
    if not missing:
        return
    if journald_only():
        yield Finding(MISSING_LOGFILE, jail.name,
                      "no file matches logpath %s, and this system logs to the journal only"
                      % ", ".join(missing),
                      fix="backend = systemd with a journalmatch (or f2btune-journal), or install rsyslog")
    else:
        yield Finding(MISSING_LOGFILE, jail.name, "no file matches logpath %s" % ", ".join(missing),
                      fix="fix logpath, or make the logger write that file")


def check_sampled(jail, ctx):
    if jail.uses_journal:
        return
    for path in jail.logpaths:
        why = not_regular(path) if os.path.lexists(path) else None
        if why:
            yield Finding(LOG_NOT_SAMPLED, jail.name,
                          "logpath %s is %s: not read (f2btune check reads regular files only), so "
                          "traffic-based checks skip it" % (path, why))
        elif why is None and os.path.isfile(path) and os.path.getsize(path) >= HUGE_BYTES:
            yield Finding(LOG_NOT_SAMPLED, jail.name,
                          "logpath %s is %.1f GiB: only its last %d KiB were sampled"
                          % (path, os.path.getsize(path) / float(1 << 30), SAMPLE_BYTES // 1024),
                          fix="rotate it (logrotate): fail2ban reads a big file from its end too")


FINDINGS = (POLLING_BACKEND, SYSTEMD_NO_JOURNALMATCH, MISSING_LOGFILE, LOG_NOT_SAMPLED)
CHECKS = (check_polling, check_journalmatch, check_logfiles, check_sampled)
