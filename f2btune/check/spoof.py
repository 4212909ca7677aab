"""Findings on forged log lines: a kernel-LOG jail whose log local programs can write to.

A netfilter jail bans the address in ``SRC=`` of a line that looks like the kernel's.  Any local
program can write such a line to syslog; whether it reaches the jail's log is decided by the
syslog chain, so this reads it:

* journal jails: safe only when every alternative of ``journalmatch`` requires
  ``_TRANSPORT=kernel`` (journald sets that field itself, for the kernel's messages only);
* file jails: the rsyslog configuration (:mod:`.rsyslog`) is searched for the rules writing the
  file.  Any legacy selector or message-text filter lets local programs in (a warning); a file
  written only by rules on the kernel input (``:inputname, isequal, "imklog"``) is safe; anything
  else -- RainerScript, no rule at all, another syslog daemon -- is a note saying it cannot tell.
"""
import os

from f2btune.check.findings import Finding, finding_type

SPOOFABLE_LOG = finding_type(
    "spoofable-log", "warning", "kernel-LOG jail reads a log any local program can write",
    "any local user (or a compromised service) can write 'kernel: <prefix>IN=... SRC=<address>' "
    "through /dev/log and have that address banned; escalation keeps it banned for up to a day")
SPOOFABLE_LOG_UNKNOWN = finding_type(
    "spoofable-log-unknown", "info", "cannot tell whether local programs can write a kernel-LOG jail's log",
    "not decided: f2btune reads rsyslog's legacy rules only (docs/spoofing.md)")

DEFAULT_RSYSLOG_CONF = "/etc/rsyslog.conf"
OTHER_DAEMONS = (("syslog-ng", "syslog-ng/syslog-ng.conf"), ("a classic syslogd", "syslog.conf"))
FIX = ("read kernel messages from the journal (backend = systemd, journalmatch = _TRANSPORT=kernel, "
       "e.g. jail f2btune-synflood-journal), or let only the kernel input write the file: "
       ':inputname, isequal, "imklog" /var/log/netfilter.log (docs/spoofing.md)')


def check_spoofable(jail, ctx):
    from f2btune.check.config import is_netfilter
    if not is_netfilter(jail):
        return
    if jail.uses_journal:
        reason = journal_reason(jail.journalmatch)
        if reason:
            yield Finding(SPOOFABLE_LOG, jail.name, reason, fix=FIX)
        return
    for pattern in jail.logpath_globs:
        verdict, reason = file_verdict(pattern, ctx.rsyslog_conf)
        if verdict == "user":
            yield Finding(SPOOFABLE_LOG, jail.name, reason, fix=FIX)
        elif verdict == "unknown":
            yield Finding(SPOOFABLE_LOG_UNKNOWN, jail.name, reason,
                          fix="make sure only the kernel writes it, or read the journal's _TRANSPORT=kernel")


def journal_reason(matches):
    """Why journal entries from user space can match ``matches`` (fail2ban's addjournalmatch
    values), or None when every alternative requires _TRANSPORT=kernel."""
    if not matches:
        return "no journalmatch: every journal entry is read, including what local programs log"
    groups = _groups(matches)
    for terms in groups:
        transports = [t.split("=", 1)[1] for t in terms if t.startswith("_TRANSPORT=")]
        if transports != ["kernel"] * len(transports) or not transports:
            return ("journalmatch %s admits entries that local programs write (only _TRANSPORT=kernel "
                    "is set by journald for the kernel's own messages)" % " + ".join(" ".join(g) for g in groups))
    return None


def _groups(matches):
    """The OR-alternatives of fail2ban's journal matches: each addjournalmatch, split at '+'."""
    out = []
    for match in matches:
        current = []
        for term in match.split():
            if term == "+":
                out.append(current)
                current = []
            else:
                current.append(term)
        out.append(current)
    return [g for g in out if g]


def file_verdict(pattern, rsyslog_conf=DEFAULT_RSYSLOG_CONF):
    """("user" | "kernel" | "unknown", reason) for a log file pattern, from the syslog configuration."""
    from f2btune.check import rsyslog
    from f2btune.errors import InputError
    if not os.path.exists(rsyslog_conf):
        etc = os.path.dirname(rsyslog_conf)
        for name, rel in OTHER_DAEMONS:
            if os.path.exists(os.path.join(etc, rel)):
                return "unknown", ("%s is written by %s (%s): f2btune reads only rsyslog's configuration"
                                   % (pattern, name, os.path.join(etc, rel)))
        return "unknown", "%s: no rsyslog configuration at %s, and no other syslog daemon's" % (pattern, rsyslog_conf)
    try:
        conf = rsyslog.parse(rsyslog_conf)
    except InputError as e:
        return "unknown", "%s: %s" % (pattern, e)
    rules, blocks = conf.writers(pattern)
    user = [r for r in rules if r.reach == "user"]
    if user:
        r = user[0]
        how = " (a datagram to /dev/log may claim facility kern)" if "kern" in r.filter.split(".")[0] else ""
        return "user", ("%s receives what any local program writes to /dev/log: rsyslog rule '%s' (%s:%d)%s "
                        "-- a forged kernel line bans the address it names"
                        % (pattern, r.filter, r.source, r.line, how))
    if blocks:
        b = blocks[0]
        return "unknown", ("%s is written by a RainerScript statement f2btune does not parse (%s:%d)"
                           % (pattern, b.source, b.line))
    other = [r for r in rules if r.reach != "kernel"]
    if other:
        r = other[0]
        return "unknown", ("%s is written by rsyslog rule '%s' (%s:%d), on a property f2btune cannot judge"
                           % (pattern, r.filter, r.source, r.line))
    if not rules:
        return "unknown", ("no rule in %s writes %s: another program must (cannot tell who can write it)"
                           % (", ".join(conf.files), pattern))
    return "kernel", "%s is written only from the kernel's input" % pattern


FINDINGS = (SPOOFABLE_LOG, SPOOFABLE_LOG_UNKNOWN)
CHECKS = (check_spoofable,)
