"""Findings on a jail's regexes: anchoring, catch-alls before the host, <HOST> with DNS, maxlines."""
import re

from f2btune.check.findings import Finding, finding_type

REGEX_UNANCHORED = finding_type(
    "regex-unanchored", "warning", "regex not anchored at the start of the line",
    "an unanchored regex is tried at every position of every line: the seed kernel regex costs "
    "1.41 us/line vs 0.33 us for a prefix-anchored one (re.search alone, CPython 3.11, measured); "
    "about 1 us of the ~11 us Filter.processLine cost")
REGEX_GREEDY_BEFORE_HOST = finding_type(
    "regex-greedy-before-host", "warning", "catch-all (.* or .+) before the host tag",
    "a catch-all before <HOST> scans and backtracks over the rest of the line on every try; "
    "unless the regex is anchored at both ends, text an attacker controls can decide which "
    "address is captured (the rule of fail2ban's own sample tests, RE_WRONG_GREED)")
HOST_USEDNS = finding_type(
    "host-usedns", "warning", "<HOST> with usedns enabled",
    "with usedns other than 'no', <HOST> also matches host names and each one is resolved by a "
    "blocking DNS query per failure; <ADDR> is the fast tag (fail2ban #2955)")
MAXLINES = finding_type(
    "maxlines", "warning", "multi-line matching (maxlines > 1)",
    "maxlines > 1 re-joins the line buffer on every line: 0.5 % -> 25 % CPU reported in fail2ban #3131")

HOST_TAGS = ("<HOST>", "<ADDR>", "<IP4>", "<IP6>", "<SUBNET>", "<CIDR>", "<DNS>", "<F-ID>")
_FLAGS = re.compile(r"^\(\?[aiLmsux]+\)")


def regexes(jail):
    """(label, regex) pairs of the jail's prefregex and failregexes, as the server gets them."""
    out = []
    if jail.prefregex:
        out.append(("prefregex", jail.prefregex))
    for i, r in enumerate(jail.failregex):
        out.append(("failregex #%d" % (i + 1) if len(jail.failregex) > 1 else "failregex", r))
    return out


def anchored(regex):
    """Anchored at the line start: ``^`` (or ``\\A``) after any inline flags."""
    r = _FLAGS.sub("", regex.lstrip())
    return r.startswith(("^", "\\A"))


def end_anchored(regex):
    r = regex.rstrip()
    return r.endswith("$") and not r.endswith("\\$")


def catchalls(regex):
    """Positions of unescaped ``.*`` / ``.+`` (greedy or lazy) outside character classes."""
    out, i, in_class = [], 0, False
    while i < len(regex):
        c = regex[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if regex[i + 1:i + 2] == "]":
                i += 1
        elif c == "." and regex[i + 1:i + 2] in ("*", "+"):
            out.append(i)
        i += 1
    return out


def host_position(regex):
    pos = [regex.find(t) for t in HOST_TAGS if t in regex]
    return min(pos) if pos else -1


def short(regex, width=70):
    return regex if len(regex) <= width else regex[:width - 3] + "..."


def check_anchoring(jail, ctx):
    rx = regexes(jail)
    if jail.prefregex and anchored(jail.prefregex):
        rx = rx[:1]   # failregexes then run on the prefregex's content, already cut
    for label, r in rx:
        if not anchored(r):
            yield Finding(REGEX_UNANCHORED, jail.name,
                          "%s is not anchored (%s)" % (label, short(r)),
                          fix="start it with ^ and a literal prefix of the line, or use an f2btune filter "
                              "(f2btune suggest-regex proposes one)")


def check_greed(jail, ctx):
    for label, r in regexes(jail):
        host = host_position(r)
        if host < 0 or (anchored(r) and end_anchored(r)):
            continue
        before = [p for p in catchalls(r) if p < host]
        if before:
            p = before[0]
            kind = "lazy" if r[p + 2:p + 3] == "?" else "greedy"
            yield Finding(REGEX_GREEDY_BEFORE_HOST, jail.name,
                          "%s has a %s catch-all %r before the host tag (%s)"
                          % (label, kind, r[p:p + (3 if kind == "lazy" else 2)], short(r)),
                          fix="replace it with the literal text or a bounded class (\\S+, [^ ]*) and anchor the regex")


def check_usedns(jail, ctx):
    if jail.usedns == "no":
        return
    tagged = [label for label, r in regexes(jail) if "<HOST>" in r]
    if tagged:
        yield Finding(HOST_USEDNS, jail.name,
                      "%s use <HOST> with usedns = %s" % (", ".join(tagged[:3]) + ("..." if len(tagged) > 3 else ""),
                                                         jail.usedns),
                      fix="set 'usedns = no' in the jail (or use <ADDR>) when the log carries addresses")


def check_maxlines(jail, ctx):
    if jail.maxlines > 1:
        yield Finding(MAXLINES, jail.name, "maxlines = %d: every line re-joins a %d-line buffer"
                      % (jail.maxlines, jail.maxlines),
                      fix="use a single-line filter (prefregex + <F-MLFID>) if the log allows it")


FINDINGS = (REGEX_UNANCHORED, REGEX_GREEDY_BEFORE_HOST, HOST_USEDNS, MAXLINES)
CHECKS = (check_anchoring, check_greed, check_usedns, check_maxlines)
