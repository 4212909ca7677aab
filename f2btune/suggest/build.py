"""Build an anchored filter from positive lines: syslog header, common anchor, one regex per shape.

Each positive is reduced to the text fail2ban's regexes see (date cut by the chosen
datepattern). A syslog header ("host tag[pid]: ") becomes a fixed head. The address is found
at its structural position (:mod:`.locate`); lines whose reported address lies in
user-controlled text are injection attempts and are not learnt from. The rest is aligned
into shapes (:mod:`.shapes`); a shape whose lines another, larger shape reads with a different
address is set aside the same way. Regexes another one covers are dropped; the longest piece
common to all of them moves into ``prefregex`` before ``<F-CONTENT>``.
"""
import re

from f2btune.suggest import locate as loc
from f2btune.suggest.shapes import shapes
from f2btune.suggest.tokens import lit

MAX_TEMPLATES = 40
MIN_POSITIVES = 2
MAX_TAGS = 8        # program names a syslog header lists before it is no header

HOST_RE = re.compile(r"^[\w.:-]+$")
TAG_RE = re.compile(r"^([A-Za-z][\w./-]*?)(\([^)\s]*\))?(\[\d+\])?:$")

__all__ = ["NoAnchor", "Positive", "Suggestion", "build_regexes", "lit", "syslog_header"]


class NoAnchor(Exception):
    """The sample cannot be anchored; the message says why (too small, too varied...)."""


class Positive(object):
    def __init__(self, index, line, content, host, reported=None):
        self.index, self.line, self.content, self.host = index, line, content, host
        self.reported = reported or host   # the address as fail2ban reports it
        self.rest = None        # the message after a syslog header
        self.span = None        # the address in it
        self.injection = None   # why the line is not learnt from


def syslog_header(texts):
    """(head regex, texts after it, program names) when all texts carry 'host tag: '."""
    names, pids, rests = set(), set(), []
    for text in texts:
        words = text.lstrip().split(" ", 2)
        if len(words) < 3 or not HOST_RE.match(words[0]):
            return None
        m = TAG_RE.match(words[1])
        if not m:
            return None
        names.add(m.group(1))
        pids.add((bool(m.group(2)), bool(m.group(3))))
        rests.append(words[2])
    if len(names) > MAX_TAGS:
        return None
    name_re = (lit(next(iter(names))) if len(names) == 1
               else "(?:%s)" % "|".join(lit(n) for n in sorted(names)))
    paren = {a for a, _ in pids}
    pid = {b for _, b in pids}
    head = r"^\s*\S+ " + name_re
    if True in paren:
        head += r"(?:\([^)\s]*\))" + ("" if paren == {True} else "?")
    if True in pid:
        head += r"\[\d+\]" if pid == {True} else r"(?:\[\d+\])?"
    head += r":\s"
    return head, rests, sorted(names)


def compiled(regex):
    """fail2ban's own expansion of a regex (tags resolved), compiled."""
    from fail2ban.server.failregex import Regex
    return Regex(regex)._regexObj


def host_of(m):
    g = m.groupdict()
    for k in ("ip4", "ip6", "dns", "fid", "host"):
        if g.get(k):
            return g[k]
    return None


def _same_host(a, b):
    ia, ib = loc._as_ip(a or ""), loc._as_ip(b or "")
    return (ia == ib) if ia is not None and ib is not None else a == b


def _conflicts(groups):
    """Members of smaller shapes that a larger shape's regex reads with another address."""
    regs = [compiled("^" + g.body()) for g in groups]
    bad = set()
    for j, g in enumerate(groups):
        for m in g.members:
            for i in range(j):
                if len(groups[i].members) <= len(g.members):
                    break
                hit = regs[i].match(m.rest)
                if hit and not _same_host(host_of(hit), m.host):
                    m.injection = ("a more common shape of the same message reads another address "
                                   "(%s) from this line" % host_of(hit))
                    bad.add(m.index)
                    break
    return bad


def _minimal(groups):
    """Drop every shape whose lines another kept shape matches with the same address."""
    kept = []
    for g in groups:
        covered = False
        for k, rk in kept:
            if all((lambda h: h is not None and _same_host(host_of(h), m.host))(rk.match(m.rest))
                   for m in g.members):
                k.members.extend(g.members)
                covered = True
                break
        if not covered:
            kept.append((g, compiled("^" + g.body())))
    return [k for k, _ in kept]


def common_prefix(lists):
    if not lists:
        return []
    n = min(len(l) for l in lists)
    k = 0
    while k < n and all(l[k] == lists[0][k] for l in lists):
        k += 1
    return list(lists[0][:k])


class Suggestion(object):
    def __init__(self, head, anchor, prefregex, groups, failregex, names, injections, tails):
        self.head = head            # syslog header regex or None
        self.anchor = anchor        # the common anchor (regex text)
        self.prefregex = prefregex  # None when there is neither header nor anchor
        self.groups = groups        # Shape objects, one per failregex
        self.failregex = failregex  # list, one per shape
        self.names = names          # program tags found
        self.shapes = len(groups)
        self.members = [g.members for g in groups]
        self.injections = injections  # positives not learnt from (injection attempts)
        self.tails = tails
        self.constant_fields = sorted({f for g in groups for f in g.constant_fields})


def _anchor(groups):
    common = common_prefix([g.before for g in groups])
    # the message itself ("Invalid user ...") stays in the failregex
    for i, piece in enumerate(common):
        if re.match(r"^[A-Za-z]+$", piece):
            common = common[:i]
            break
    if common and any(len(g.before) == len(common) for g in groups):
        while common and common[-1] not in (" ", r"\s+"):
            common.pop()
    return common


def build_regexes(positives, tails="full", strict=0):
    """A :class:`Suggestion` for these positives (list of :class:`Positive` with ``content``).

    ``tails``: 'full' (the whole line after the address, anchored with $), 'stem' (the first
    words after the address), 'none'. ``strict``: see :func:`.shapes.shapes`;
    3 also keeps every constant value literal."""
    distinct = len({p.line for p in positives})
    if distinct < MIN_POSITIVES:
        raise NoAnchor("sample too small: %d distinct matching line(s), need at least %d to tell "
                       "the fixed parts of a line from the variable ones" % (distinct, MIN_POSITIVES))
    hdr = syslog_header([p.content for p in positives])
    head, rests, names = hdr if hdr else (None, [p.content for p in positives], [])
    for p, rest in zip(positives, rests):
        p.rest, p.injection = rest, None
    hints = loc.context_hints([(p.rest, p.host) for p in positives])
    for p in positives:
        where = loc.locate(p.rest, p.host, hints)
        p.span, p.injection = (where.start, where.end), where.injection
    clean = [p for p in positives if p.injection is None]
    groups = shapes(clean, tails, strict) if clean else []
    bad = _conflicts(groups)
    if bad:
        clean = [p for p in clean if p.index not in bad]
        groups = shapes(clean, tails, strict)
    if not groups:
        raise NoAnchor("every matching line has its address in user-controlled text: "
                       "nothing safe to learn from")
    groups = _minimal(groups)
    if len(groups) > MAX_TEMPLATES:
        raise NoAnchor("too varied to anchor: the positive lines have %d different shapes "
                       "(at most %d are turned into failregex lines)" % (len(groups), MAX_TEMPLATES))
    common = _anchor(groups)
    for g in groups:
        g.before = common + g.before[len(common):]
    anchor = "".join(common)
    prefregex = ((head or r"^\s*") + anchor + "<F-CONTENT>.+</F-CONTENT>$") if (head or anchor) else None
    skip = len(common) if prefregex else 0
    return Suggestion(head, anchor, prefregex, groups, ["^" + g.body(skip) for g in groups], names,
                      [p for p in positives if p.injection is not None], tails)
