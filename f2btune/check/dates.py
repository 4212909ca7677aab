"""Findings on date detection: auto-detection where one explicit datepattern fits the log."""
from f2btune.check.registry import Finding, check, finding_type

finding_type(
    "date-autodetect", "info", "date auto-detection where an explicit pattern fits",
    "date detection is ~45 % of Filter.processLine (~11 us/line, CPython 3.11, measured); fail2ban "
    "retries the last matching template first, so an explicit pattern mostly saves the misses and "
    "removes a wrong match on odd lines: --measure gives the figure for this log")

AUTO_MARKERS = ("{^LN-BEG}", "{*WD-BEG}", "{DEFAULT}")
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
    return pattern.replace("%", "%%")


@check
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
        yield Finding("date-autodetect", jail.name,
                      "datepattern %s auto-detects, but every sampled line of %s fits %r"
                      % (jail.datepattern or "(unset)", smp.path, pattern),
                      fix="datepattern = %s" % config_syntax(pattern))
