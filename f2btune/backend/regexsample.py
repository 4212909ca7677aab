"""Texts a failregex matches, with a placeholder where the address goes.

The JIT warm-up (:mod:`.jitwarm`) needs lines of the jail's own shape without a sample log:
the regex's parse tree is walked and one text is written per *variant* (variant ``v`` takes
alternative ``v mod n`` of every alternation and one repetition more than the minimum on
odd variants), the address group (``ip4``/``ip6``) left as :data:`ADDR`.  Look-arounds are
not written: every text is checked against the compiled regex with a real address before
it is used, and a text that does not match is dropped.
"""
from f2btune.backend.anchor import sre_parse as _sre_parse

ADDR = "\x00ADDR\x00"
_MAX_REPEAT_TEXT = 4            # no repetition is written more often than this
# characters tried for a negated class ([^...]), in this order
_CANDIDATES = "aZ0 .:-_/=x"


class Unsupported(Exception):
    pass


def templates(regex, variants=4):
    """Distinct texts (with :data:`ADDR`) ``regex`` is expected to match; [] when the tree
    has parts this walker does not write, or no address group."""
    try:
        tree = _sre_parse.parse(regex)
    except Exception:
        return []
    index = tree.state.groupdict if hasattr(tree, "state") else tree.pattern.groupdict
    addr_groups = set(index[n] for n in ("ip4", "ip6") if n in index)
    if not addr_groups:
        return []
    out = []
    for v in range(variants):
        parts, groups = [], {}
        try:
            _walk(tree, v, parts, groups, addr_groups)
        except (Unsupported, RecursionError):
            return out
        text = "".join(parts)
        if ADDR in text and text not in out:
            out.append(text)
    return out


def _walk(items, v, out, groups, addr_groups):
    for op, av in items:
        name = op.name
        if name == "LITERAL":
            out.append(chr(av))
        elif name == "NOT_LITERAL":
            out.append("a" if av != ord("a") else "b")
        elif name == "ANY":
            out.append("a")
        elif name == "IN":
            out.append(_pick(av))
        elif name == "BRANCH":
            alts = av[1]
            _walk(alts[v % len(alts)], v, out, groups, addr_groups)
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            lo, hi, sub = av
            n = lo + (v % 2) if lo + (v % 2) <= hi else lo
            for _ in range(min(n, max(lo, _MAX_REPEAT_TEXT))):
                _walk(sub, v, out, groups, addr_groups)
        elif name == "SUBPATTERN":
            group, sub = av[0], av[-1]
            if group in addr_groups:
                out.append(ADDR)
                continue
            start = len(out)
            _walk(sub, v, out, groups, addr_groups)
            if group is not None:
                groups[group] = "".join(out[start:])
        elif name == "ATOMIC_GROUP":
            _walk(av, v, out, groups, addr_groups)
        elif name == "GROUPREF":
            out.append(groups.get(av, ""))
        elif name == "GROUPREF_EXISTS":
            group, yes, no = av
            _walk(yes if group in groups else (no or ()), v, out, groups, addr_groups)
        elif name in ("AT", "ASSERT", "ASSERT_NOT"):
            continue                    # anchors and look-arounds write nothing
        else:
            raise Unsupported(name)


_CATEGORY = {
    "CATEGORY_DIGIT": str.isdigit,
    "CATEGORY_NOT_DIGIT": lambda c: not c.isdigit(),
    "CATEGORY_SPACE": str.isspace,
    "CATEGORY_NOT_SPACE": lambda c: not c.isspace(),
    "CATEGORY_WORD": lambda c: c.isalnum() or c == "_",
    "CATEGORY_NOT_WORD": lambda c: not (c.isalnum() or c == "_"),
}


def _in_class(c, items):
    """Is ``c`` one of a character class's items (NEGATE aside)?"""
    o = ord(c)
    for op, av in items:
        name = op.name
        if name == "LITERAL" and o == av:
            return True
        if name == "RANGE" and av[0] <= o <= av[1]:
            return True
        if name == "CATEGORY":
            test = _CATEGORY.get(av.name)
            if test is None:
                raise Unsupported(av.name)
            if test(c):
                return True
        elif name not in ("LITERAL", "RANGE", "NEGATE"):
            raise Unsupported(name)
    return False


def _pick(items):
    """One character the class matches."""
    negate = bool(items) and items[0][0].name == "NEGATE"
    for c in _CANDIDATES:
        if _in_class(c, items) != negate:
            return c
    raise Unsupported("class")


def matching_text(template, compiled, group, addr):
    """The template with ``addr`` in place when ``compiled`` finds exactly that address in
    it (as the backend searches: the text plus a newline), else None."""
    text = template.replace(ADDR, addr)
    m = compiled.search(text + "\n")
    if m is None or group is None or m.group(group) != addr:
        return None
    return text


def address_templates(regexes, variants=4):
    """[(template, family, exploded)] for compiled ``regexes``, each template checked with a
    sample address of its family (4 or 6); ``exploded``: the regex wants an IPv6 address
    written in full, not compressed."""
    out = []
    for rx in regexes:
        g = rx.groupindex
        for t in templates(rx.pattern, variants):
            for fam, name, forms in ((4, "ip4", ("198.18.0.1",)),
                                     (6, "ip6", ("2001:db8::1", "2001:0db8:0000:0000:0000:0000:0000:0001"))):
                for addr in forms:
                    if name in g and matching_text(t, rx, g[name], addr) is not None:
                        out.append((t, fam, addr != forms[0]))
                        break
    return out


def fill(template, addr):
    return template.replace(ADDR, addr)

