"""``f2btune check``: read a fail2ban configuration and say what makes it slow or unsafe.

``run_check(confdir)`` loads the configuration with fail2ban's own readers (:mod:`.config`),
runs every check (one module per group of findings, see :func:`groups`) on every enabled jail and
returns a :class:`Report`.  ``measure=True`` adds before/after figures from ``f2btune bench``
on each jail's own log (:mod:`.measure`).
"""
import collections

from f2btune.check.config import is_netfilter
from f2btune.check.findings import Finding, finding_type

CONFIG_ERROR = finding_type("config-error", "error", "jail does not load",
                            "fail2ban skips a jail whose definition it cannot read")


def groups():
    """The modules of the check groups, in report order (imported on first use)."""
    from f2btune.check import actions, backend, bantime, dates, loglevel, regex, spoof
    return (regex, dates, backend, actions, bantime, loglevel, spoof)


def checks():
    """Every check function, group by group."""
    return [func for group in groups() for func in group.CHECKS]


def finding_types():
    """id -> FindingType of every finding ``f2btune check`` can report; ids are unique."""
    out = collections.OrderedDict([(CONFIG_ERROR.id, CONFIG_ERROR)])
    for kind in (k for group in groups() for k in group.FINDINGS):
        if kind.id in out:
            raise ValueError("duplicate finding id %r" % kind.id)
        out[kind.id] = kind
    return out


class Context:
    """What checks share: the config, and per-jail log samples computed once."""

    def __init__(self, config, rsyslog_conf=None):
        from f2btune.check.spoof import DEFAULT_RSYSLOG_CONF
        self.config = config
        self.rsyslog_conf = rsyslog_conf or DEFAULT_RSYSLOG_CONF   # where the syslog chain is read
        self._samples = {}
        self._volumes = {}

    def sample(self, jail):
        from f2btune.check.sample import sample
        if jail.name not in self._samples:
            self._samples[jail.name] = sample(jail)
        return self._samples[jail.name]

    def volume(self, jail):
        from f2btune.check.sample import volume
        if jail.name not in self._volumes:
            self._volumes[jail.name] = volume(jail, self.sample(jail))
        return self._volumes[jail.name]

    def busy(self, jail):
        """Why this jail is busy (a short reason), or None."""
        from f2btune.check.sample import BUSY_FAILURES_PER_S
        if is_netfilter(jail):
            return "it reads netfilter LOG lines: one per packet in a flood"
        vol = self.volume(jail)
        if vol is not None and vol.failures_per_s >= BUSY_FAILURES_PER_S:
            return "%.1f failures/s in the last %d lines of its log" % (vol.failures_per_s, vol.lines)
        return None


class Report:
    def __init__(self, config, findings, measurements=None):
        self.config = config
        self.findings = findings
        self.measurements = measurements or []

    @property
    def problems(self):
        return [f for f in self.findings if f.is_problem]

    def to_dict(self):
        from f2btune.f2b import version
        return collections.OrderedDict([
            ("confdir", self.config.confdir),
            ("fail2ban_version", version()),
            ("jails", [j.name for j in self.config.jails]),
            ("problems", len(self.problems)),
            ("findings", [f.to_dict() for f in self.findings]),
            ("measurements", self.measurements),
        ])


def run_check(confdir, measure=False, jails=None, rsyslog_conf=None):
    """Check the fail2ban configuration in ``confdir``; ``jails`` limits the check to those names;
    ``rsyslog_conf`` is the syslog configuration deciding who can write the logs (/etc/rsyslog.conf)."""
    from f2btune.check.config import load
    from f2btune.f2b import quiet_logging
    config = load(confdir)
    quiet_logging()
    run = checks()
    if jails:
        unknown = sorted(set(jails) - set(j.name for j in config.jails))
        if unknown:
            from f2btune.errors import InputError
            raise InputError("no enabled jail named %s in %s" % (", ".join(unknown), config.confdir))
        config.jails = [j for j in config.jails if j.name in jails]
    ctx = Context(config, rsyslog_conf)
    findings = []
    for jail in config.jails:
        if jail.error:
            findings.append(Finding(CONFIG_ERROR, jail.name, jail.error,
                                    fix="run 'fail2ban-client -c %s -t' for details" % config.confdir))
            continue
        for func in run:
            findings.extend(func(jail, ctx))
    measurements = []
    if measure:
        from f2btune.check.measure import measure_jails
        measurements = measure_jails(config, ctx, findings)
    return Report(config, findings, measurements)


def format_text(report):
    """Human-readable report lines."""
    cfg = report.config
    lines = ["%s: %d enabled jail%s, %d finding%s (%d problem%s)" % (
        cfg.confdir, len(cfg.jails), "" if len(cfg.jails) == 1 else "s",
        len(report.findings), "" if len(report.findings) == 1 else "s",
        len(report.problems), "" if len(report.problems) == 1 else "s")]
    by_jail = collections.OrderedDict((j.name, []) for j in cfg.jails)
    for f in report.findings:
        by_jail.setdefault(f.jail, []).append(f)
    for name, found in by_jail.items():
        lines.append("")
        lines.append("[%s]%s" % (name, "" if found else "  no findings"))
        for f in found:
            lines.append("  %-7s %-24s %s" % (f.severity, f.id, f.message))
            if f.fix:
                lines.append("  %-7s %-24s fix: %s" % ("", "", f.fix))
            if f.cost:
                lines.append("  %-7s %-24s cost (%s): %s" % ("", "", f.cost["kind"], f.cost["text"]))
    if report.measurements:
        lines.append("")
        lines.append("measured with f2btune bench (filter stage, this machine, one run):")
        for m in report.measurements:
            lines.append("  %-40s %9.0f lines/s +-%-6.0f x%.2f  %s" % (
                "[%s] %s" % (m["jail"], m["candidate"]), m["lines_per_s"], m.get("stdev") or 0.0, m.get("ratio") or 1.0,
                "agrees" if m.get("agrees", True) else "DISAGREES with the jail's filter"))
    return lines


def describe_findings():
    """(id, severity, title, estimate) of every registered finding, for --list and the docs."""
    return list(finding_types().values())
