"""Findings on how a jail reads its log: polling, journal without a match, missing log files."""
from f2btune.check.config import journald_only, missing_logpaths
from f2btune.check.registry import Finding, check, finding_type

finding_type(
    "polling-backend", "warning", "polling backend",
    "polling stats every log file with a 0.2 -> 2 s back-off: wake-ups when idle, up to 2 s latency "
    "when a flood starts; pyinotify reads on IN_MODIFY")
finding_type(
    "systemd-no-journalmatch", "warning", "systemd backend without journalmatch",
    "without journalmatch every journal entry is read, every field converted and the line "
    "matched (fail2ban's systemd backend converts all fields of each entry)")
finding_type(
    "missing-logfile", "error", "log file missing",
    "fail2ban-client -t and the server refuse a file jail whose logpath matches no file; on Debian 12 "
    "without rsyslog this is backend = auto on a journald-only system (fail2ban #3567, Debian #1037437)")


def _backend_name(jail):
    return jail.backend.split("[", 1)[0].strip().lower()


@check
def check_polling(jail, ctx):
    if _backend_name(jail) in ("polling", "gamin"):
        yield Finding("polling-backend", jail.name, "backend = %s" % jail.backend,
                      fix="backend = pyinotify (python3-pyinotify), or f2btune's backend via 'f2btune server'")


@check
def check_journalmatch(jail, ctx):
    if jail.uses_journal and not jail.journalmatch:
        yield Finding("systemd-no-journalmatch", jail.name,
                      "backend = %s reads the whole journal: no journalmatch" % jail.backend,
                      fix="set journalmatch in the filter or jail (e.g. _SYSTEMD_UNIT=sshd.service, or "
                          "_TRANSPORT=kernel for netfilter LOG lines)")


@check
def check_logfiles(jail, ctx):
    missing = missing_logpaths(jail)
    if not missing:
        return
    if journald_only():
        yield Finding("missing-logfile", jail.name,
                      "no file matches logpath %s, and this system logs to the journal only"
                      % ", ".join(missing),
                      fix="backend = systemd with a journalmatch (or f2btune-journal), or install rsyslog")
    else:
        yield Finding("missing-logfile", jail.name, "no file matches logpath %s" % ", ".join(missing),
                      fix="fix logpath, or make the logger write that file")
