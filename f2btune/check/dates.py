"""Findings on date detection: an explicit datepattern that drops lines, auto-detection where an
explicit pattern fits the log."""
from f2btune.check.findings import Finding, finding_type

DATE_REJECTED = finding_type(
    "date-rejected", "warning", "the datepattern finds no date on lines fail2ban's line-start detection dates",
    "fail2ban drops a failure without a date (\"Found a match but no valid date/time\"): those "
    "attempts never count towards maxretry, without a word at the default log level")

DATE_AUTODETECT = finding_type(
    "date-autodetect", "info", "date auto-detection where an explicit pattern fits",
    "date detection is ~45 % of Filter.processLine (~11 us/line, CPython 3.11, measured); fail2ban "
    "retries the last matching template first, so an explicit pattern mostly saves the misses and "
    "removes a wrong match on odd lines: --measure gives the figure for this log")

AUTO_MARKERS = ("{^LN-BEG}", "{*WD-BEG}", "{DEFAULT}")
# What stock filters use: fail2ban's default templates, anchored at the line start.
FALLBACK = "{^LN-BEG}"
MIN_LINES = 10
COVERAGE = 0.9
MAX_LINES = 500


def is_auto(datepattern):
    """True when fail2ban will try its list of default templates."""
    if not datepattern:
        return True
    rest = datepattern
    for m in AUTO_MARKERS:
        rest = rest.replace(m, "")
    return rest.strip() == ""


def fitting_pattern(lines, auto_detector):
    """One explicit pattern giving the same time as the jail's auto-detection on every dated line.

    The choice is suggest-regex's (:func:`f2btune.suggest.dates.detect`); here it is only
    required that (nearly) every sampled line carries a date at all.
    """
    from f2btune.suggest.dates import NONE, detect, split
    lines = lines[-MAX_LINES:]
    dated = [l for l in lines if split(auto_detector, l)[0] is not None]
    if len(dated) < MIN_LINES or len(dated) < COVERAGE * len(lines):
        return None
    choice = detect(dated)
    if choice.at_start < 1.0 or len(choice.patterns) != 1 or choice.patterns == [NONE]:
        return None
    return choice.patterns[0]


def config_syntax(pattern):
    """A (possibly multi-line) datepattern as a fail2ban config value: %% for %, lines indented."""
    lines = [l.strip() for l in pattern.replace("%", "%%").splitlines() if l.strip()]
    return "\n    ".join(lines)


def with_fallback(pattern):
    """The pattern, then fail2ban's line-start detection for every line it does not date."""
    return pattern.rstrip() + "\n" + FALLBACK


def rejected(lines, detector, reference):
    """Lines ``detector`` finds no date on while ``reference`` does."""
    from f2btune.suggest.dates import split
    return [l for l in lines if split(detector, l)[0] is None and split(reference, l)[0] is not None]


def failures_among(jail, lines):
    """How many of ``lines`` the jail's filter reports once they are dated (line-start detection)."""
    from f2btune.check.sample import jail_filter
    flt = jail_filter(jail)
    flt.setDatePattern(FALLBACK)
    n = 0
    for line in lines:
        try:
            n += len(flt.processLine(line) or ())
        except Exception:
            continue
    return n


def check_rejected_dates(jail, ctx):
    # measured, not assumed from the markers: fail2ban 1.0.2 adds nothing for a {DEFAULT} that
    # follows another pattern (only {^LN-BEG} there brings the default templates)
    if jail.uses_journal or is_auto(jail.datepattern):
        return
    smp = ctx.sample(jail)
    if smp is None or not smp.lines:
        return
    try:
        from f2btune.check.sample import jail_filter
        from f2btune.f2b import make_filter
        bad = rejected(smp.lines, jail_filter(jail).dateDetector, make_filter(datepattern=FALLBACK).dateDetector)
        lost = failures_among(jail, bad) if bad else 0
    except Exception:  # a filter the server rejects is reported as config-error elsewhere
        return
    if bad:
        yield Finding(DATE_REJECTED, jail.name,
                      "datepattern finds no date on %d of the last %d lines of %s that fail2ban's "
                      "line-start detection dates (%d failures dropped), e.g. %r"
                      % (len(bad), len(smp.lines), smp.path, lost, bad[0][:200]),
                      fix="datepattern = %s" % config_syntax(with_fallback(jail.datepattern)),
                      severity=None if lost else "info")


def check_datepattern(jail, ctx):
    if jail.uses_journal or not is_auto(jail.datepattern):
        return
    smp = ctx.sample(jail)
    if smp is None:
        return
    try:
        from f2btune.check.sample import jail_filter
        detector = jail_filter(jail).dateDetector
    except Exception:
        return
    pattern = fitting_pattern(smp.lines, detector)
    if pattern:
        # the fast template first, fail2ban's own detection behind it: a line stamped otherwise
        # later (another host, a changed template) is still read, never dropped
        yield Finding(DATE_AUTODETECT, jail.name,
                      "datepattern %s auto-detects, but every sampled line of %s fits %r"
                      % (jail.datepattern or "(unset)", smp.path, pattern),
                      fix="datepattern = %s" % config_syntax(with_fallback(pattern)))


FINDINGS = (DATE_REJECTED, DATE_AUTODETECT)
CHECKS = (check_rejected_dates, check_datepattern)
