"""The literal anchor: byte strings every failure line must contain, derived from the filter.

A line that lacks them cannot match the jail's regexes, so the backend drops it before
decoding it, finding its date or running a regex.  fail2ban matches the regexes against the
line with its date cut out, so a literal may straddle the spot where the date was (e.g.
``' [] "'`` in web-server filters); the backend therefore applies the test only to lines
whose date is cut at the very start (nothing before it): there the text after the stamp is
exactly what the regexes see, and every literal lies contiguously in the raw line.  The literals are read from the regexes
fail2ban compiled (tags such as ``<ADDR>`` already expanded) with Python's own regex parser:
only runs of plain characters that every match must contain count (nothing inside an
alternative, an optional part or a case-insensitive part).
"""
import re

try:  # Python 3.11+
    import re._parser as sre_parse
    import re._constants as sre_c
except ImportError:  # pragma: no cover - Python < 3.11, PyPy 3.9
    import sre_parse
    import sre_constants as sre_c

MIN_LITERAL = 3
# a failure line pays one `in` test per literal: a few long ones are selective enough
MAX_LITERALS = 3


def _parse(regex):
    """Python's parse tree of ``regex``, or None when it cannot be read or ignores case."""
    try:
        parsed = sre_parse.parse(regex)
    except Exception:
        return None
    return None if parsed.state.flags & re.IGNORECASE else parsed


def required_literals(regex):
    """Plain-character runs (str) that any match of ``regex`` must contain; [] if unknown."""
    parsed = _parse(regex)
    if parsed is None:
        return []
    runs = []
    _walk(parsed, runs, [])
    return [r for r in runs if len(r) >= MIN_LITERAL]


def _flush(runs, cur):
    if cur:
        runs.append("".join(cur))
        del cur[:]


def _walk(items, runs, cur):
    for op, av in items:
        if op is sre_c.LITERAL and 32 <= av < 127:
            cur.append(chr(av))
        elif op is sre_c.SUBPATTERN:
            group, add_flags, del_flags, sub = av
            if add_flags & re.IGNORECASE:
                _flush(runs, cur)
                continue
            _walk(sub, runs, cur)            # a group is part of the sequence
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT) and av[0] >= 1:
            _flush(runs, cur)
            inner = []
            _walk(av[2], runs, inner)        # required at least once, but not contiguous
            _flush(runs, inner)
        elif op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
            continue                          # zero width: neighbours stay contiguous
        else:
            _flush(runs, cur)
    return runs


def filter_anchors(regexes, prefregex=None, encoding="utf-8"):
    """Anchor sets for a jail: a list with one tuple of byte literals per failregex.

    A line can match only if it contains every literal of at least one tuple.  Returns None
    when some failregex has no usable literal (then nothing may be dropped).
    """
    try:
        if "x".encode(encoding) != b"x" or "\n".encode(encoding) != b"\n":
            return None                       # not ASCII-compatible (UTF-16...): no byte test
    except LookupError:
        return None
    pref = tuple(required_literals(prefregex)) if prefregex else ()
    sets = []
    for rx in regexes:
        lits = pref + tuple(required_literals(rx))
        if not lits:
            return None
        # longest first: the most selective test usually rejects a line soonest
        uniq = sorted(dict.fromkeys(lits), key=len, reverse=True)[:MAX_LITERALS]   # stable order
        sets.append(tuple(s.encode("ascii") for s in uniq))
    return sets or None


def explicit_anchor(text):
    """The ``anchor`` backend option: one literal the user guarantees in every failure line."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1]
    if not text:
        return None
    return [(text.encode("utf-8"),)]


def make_test(anchor_sets):
    """A fast predicate bytes -> bool for the anchor sets (None: everything passes)."""
    if not anchor_sets:
        return None
    if len(anchor_sets) == 1:
        lits = anchor_sets[0]
        if len(lits) == 1:
            a = lits[0]
            return lambda line: a in line
        if len(lits) == 2:
            a, b = lits
            return lambda line: a in line and b in line
        if len(lits) == 3:
            a, b, c = lits
            return lambda line: a in line and b in line and c in line
        return lambda line: all(x in line for x in lits)
    return lambda line: any(all(x in line for x in lits) for lits in anchor_sets)


def describe(anchor_sets):
    """Readable form of anchor sets: 'a' & 'b' | 'c'."""
    return " | ".join(" & ".join(repr(x.decode("utf-8", "replace")) for x in s) for s in anchor_sets)


def address_locator(regex, group_names=("ip4", "ip6")):
    """The literal written right before the address group of ``regex`` (e.g. ``SRC=``), or None.

    Only zero-width assertions and optional single characters (``\\[?``) may sit between
    the literal and the group holding ``ip4``/``ip6``; the literal must be at least 3
    characters.  The backend uses it to find a line's address before running the regex.
    """
    parsed = _parse(regex)
    if parsed is None:
        return None
    wanted = set(parsed.state.groupdict.get(n) for n in group_names) - {None}
    if not wanted:
        return None
    run = []
    for op, av in parsed:
        if op is sre_c.LITERAL and 32 <= av < 127:
            run.append(chr(av))
            continue
        if op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
            continue
        if _holds_group(op, av, wanted):
            lit = "".join(run)
            return lit if len(lit) >= MIN_LITERAL else None
        if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT) and av[0] == 0 and av[1] == 1 \
                and len(av[2]) == 1 and av[2][0][0] is sre_c.LITERAL:
            continue                  # an optional single character such as \[?
        run = []
    return None


def _holds_group(op, av, wanted):
    if op is sre_c.SUBPATTERN:
        if av[0] in wanted:
            return True
        return any(_holds_group(o, a, wanted) for o, a in av[3])
    if op is sre_c.BRANCH:
        return any(_holds_group(o, a, wanted) for alt in av[1] for o, a in alt)
    if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
        return any(_holds_group(o, a, wanted) for o, a in av[2])
    return False


def any_literals(regex, group=None):
    """Literals (str) of which every match of ``regex`` contains at least one, or [] if
    unknown; with ``group`` (a group name), every match in which that group takes part.

    One required literal (the longest) when there is one; else one per alternative of the
    first alternation that has a literal in each branch (``(?:closed|reset)`` gives both).
    """
    parsed = _parse(regex)
    if parsed is None:
        return []
    items = parsed
    if group is not None:
        index = parsed.state.groupdict.get(group)
        items = _group_items(parsed, index) if index is not None else None
        if items is None:
            return []
    return _any_of(items)


def _any_of(items):
    runs, cur = [], []
    _walk(items, runs, cur)
    _flush(runs, cur)
    runs = [r for r in runs if len(r) >= MIN_LITERAL]
    if runs:
        return [max(runs, key=len)]
    for op, av in items:
        if op is sre_c.SUBPATTERN and not av[1] & re.IGNORECASE:
            found = _any_of(av[3])
        elif op is sre_c.BRANCH:
            alts = [_any_of(alt) for alt in av[1]]
            found = [lit for a in alts for lit in a] if all(alts) else []
        else:
            continue
        if found:
            return found
    return []


def _group_items(items, index):
    """The sub-pattern of group number ``index`` inside ``items``, or None."""
    for op, av in items:
        subs = ()
        if op is sre_c.SUBPATTERN:
            if av[0] == index:
                return av[3]
            subs = (av[3],)
        elif op is sre_c.BRANCH:
            subs = av[1]
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
            subs = (av[2],)
        for sub in subs:
            found = _group_items(sub, index)
            if found is not None:
                return found
    return None


def address_required(regex, group_names=("ip4", "ip6")):
    """True when every match of ``regex`` fills one of the address groups (none of them sits
    only in an optional part or in some alternatives); False when that cannot be told."""
    parsed = _parse(regex)
    if parsed is None:
        return False
    wanted = set(parsed.state.groupdict.get(n) for n in group_names) - {None}
    return bool(wanted) and _fills(parsed, wanted)


def _fills(items, wanted):
    for op, av in items:
        if op is sre_c.SUBPATTERN and (av[0] in wanted or _fills(av[3], wanted)):
            return True
        if op is sre_c.BRANCH and all(_fills(alt, wanted) for alt in av[1]):
            return True
        if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT) and av[0] >= 1 and _fills(av[2], wanted):
            return True
    return False
