"""``f2btune check --measure``: before/after figures from ``f2btune bench`` on each jail's own log.

For every enabled file jail with a readable log, the last lines of that log are benchmarked
(filter stage, current interpreter) with, in one run: the jail's filter exactly as configured
(the baseline), the same filter with the explicit datepattern ``date-autodetect`` proposed,
and the matching f2btune filter when there is one.  The figures replace the documented
estimates of the findings they measure.
"""
import collections
import os
import re
import shutil
import tempfile

from f2btune.check.findings import measured

# stock filter name -> f2btune filter
F2BTUNE_FILTERS = {
    "sshd": "f2btune-sshd",
    "apache-auth": "f2btune-apache-auth",
    "wordpress": "f2btune-wordpress",
}
KERNEL_PREFIX = re.compile(r"kernel:\s*(?:\[\s*\d+\.\d+\]\s*)?(.*?)IN=\S* OUT=")
REGEX_FINDINGS = ("regex-unanchored", "regex-greedy-before-host")


def filter_file_text(jail, datepattern=None):
    """The jail's effective filter as a standalone filter file (``%`` doubled for fail2ban's parser)."""
    def value(v):
        return str(v).replace("%", "%%").replace("\n", "\n    ")

    def multi(vals):
        return "\n    ".join(value(v) for v in vals)

    lines = ["# %s: filter of jail %s as fail2ban's reader produced it" % ("f2btune check", jail.name),
             "[Definition]"]
    if jail.prefregex:
        lines.append("prefregex = %s" % value(jail.prefregex))
    lines.append("failregex = %s" % multi(jail.failregex))
    if jail.ignoreregex:
        lines.append("ignoreregex = %s" % multi(jail.ignoreregex))
    dp = datepattern or jail.datepattern
    if dp:
        lines.append("datepattern = %s" % value(dp))
    if jail.maxlines > 1:
        lines.append("maxlines = %d" % jail.maxlines)
    return "\n".join(lines) + "\n"


def kernel_prefix(lines):
    """The most common netfilter LOG prefix in ``lines`` ('' if none)."""
    counts = collections.Counter(m.group(1) for m in map(KERNEL_PREFIX.search, lines) if m)
    return counts.most_common(1)[0][0] if counts else ""


def regex_literal(text):
    """``text`` as a regex fragment: only regex metacharacters escaped (the filter's own docs style)."""
    return "".join("\\" + c if c in ".^$*+?{}[]\\|()" else c for c in text).replace('"', '\\"')


def f2btune_filter(jail, lines, confdir):
    """(spec, confdir) of the f2btune filter doing this jail's job, or None."""
    from f2btune.check.config import is_netfilter
    from f2btune.paths import snippets_root
    if jail.filter_spec.startswith("f2btune-"):
        return None
    if is_netfilter(jail):
        name = "f2btune-synflood"
        prefix = kernel_prefix(lines)
        opts = '[logprefix="%s"]' % regex_literal(prefix.rstrip()) if prefix.strip() else ""
    else:
        base = jail.filter_spec.split("[", 1)[0]
        name = F2BTUNE_FILTERS.get(base)
        if not name:
            return None
        opts = ""
    if os.path.isfile(os.path.join(confdir, "filter.d", name + ".conf")):
        return name + opts, confdir
    path = os.path.join(snippets_root(), "filter.d", name + ".conf")
    if os.path.isfile(path):
        return path + opts, None
    return None


def measure_jails(config, ctx, findings):
    """Benchmark each jail's log; update findings' costs in place; return measurement rows."""
    from f2btune.bench.api import Candidate, run_bench
    rows = []
    tmp = tempfile.mkdtemp(prefix="f2btune-check-%d-" % os.getpid())
    try:
        for jail in config.jails:
            smp = None if jail.error else ctx.sample(jail)
            if smp is None or not smp.lines or not jail.failregex:
                continue
            log = os.path.join(tmp, jail.name + ".log")
            with open(log, "w") as f:
                f.write("\n".join(smp.lines) + "\n")
            base = os.path.join(tmp, "jail-%s.conf" % jail.name)
            with open(base, "w") as f:
                f.write(filter_file_text(jail))
            cands = [Candidate.filter(base, name="jail filter")]
            date_finding = next((x for x in findings if x.jail == jail.name and x.id == "date-autodetect"), None)
            if date_finding is not None:
                pattern = date_finding.fix.split("=", 1)[1].strip().replace("%%", "%")
                variant = os.path.join(tmp, "jail-%s-datepattern.conf" % jail.name)
                with open(variant, "w") as f:
                    f.write(filter_file_text(jail, datepattern=pattern))
                cands.append(Candidate.filter(variant, name="explicit datepattern"))
            ours = f2btune_filter(jail, smp.lines, config.confdir)
            if ours is not None:
                spec, confdir = ours
                label = os.path.basename(spec.split("[", 1)[0])
                label = label[:-5] if label.endswith(".conf") else label
                cands.append(Candidate.filter(spec, name=label, confdir=confdir))
            if len(cands) < 2:
                continue
            summary = run_bench(log, cands, stage="filter", fast=True, quiet=True)
            jail_rows = []
            for r in summary.get("results", []):
                row = collections.OrderedDict([
                    ("jail", jail.name), ("candidate", r["candidate"]), ("lines", summary.get("lines")),
                    ("lines_per_s", r["lines_per_s"]), ("stdev", r.get("stdev")),
                    ("ratio", r.get("ratio")), ("agrees", r.get("agrees", True))])
                jail_rows.append(row)
            rows.extend(jail_rows)
            _attach(findings, jail.name, jail_rows)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return rows


def _attach(findings, jail, rows):
    if not rows:
        return
    base = rows[0]
    for row in rows[1:]:
        text = "%s: %.0f lines/s vs %.0f for the jail's filter (x%.2f, %s, %d lines of its log)" % (
            row["candidate"], row["lines_per_s"], base["lines_per_s"], row["ratio"] or 0.0,
            "same matches" if row["agrees"] else "DIFFERENT matches", row["lines"] or 0)
        cost = measured(text, baseline_lines_per_s=base["lines_per_s"], lines_per_s=row["lines_per_s"],
                        ratio=row["ratio"], agrees=row["agrees"])
        ids = ("date-autodetect",) if row["candidate"] == "explicit datepattern" else REGEX_FINDINGS
        for f in findings:
            if f.jail == jail and f.id in ids:
                f.cost = cost
