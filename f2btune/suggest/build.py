"""Build an anchored filter from positive lines: syslog header, common anchor, templates.

Each positive line is reduced to the text fail2ban's regexes see (date cut by the chosen
datepattern). A syslog header ("host tag[pid]: ") becomes a fixed head; the rest is cut
into tokens, the failure address (the one the baseline extracted) is located, and every
token is generalised by its kind (numbers, KEY=value fields, ids) -- words stay literal
unless they vary between lines of the same shape. Lines of one shape give one failregex;
the longest piece common to all of them moves into ``prefregex`` before ``<F-CONTENT>``.
"""
import collections
import re

MAX_TEMPLATES = 40
STEM_WORDS = 4      # words of the message kept after the address in 'stem' mode
MIN_POSITIVES = 2

TAG_RE = re.compile(r"^([A-Za-z][\w./-]*?)(\([^)\s]*\))?(\[\d+\])?:$")
KV_RE = re.compile(r"^([A-Za-z_][\w.-]*=)(.*)$")
IP_RE = re.compile(r"^[0-9a-fA-F:.\[\]]+$")
TOKEN_RE = re.compile(r"\S+|\s+")


class NoAnchor(Exception):
    """The sample cannot be anchored; the message says why (too small, too varied...)."""


def lit(text):
    """A literal for a fail2ban regex: re-escaped, '<' kept away from fail2ban's tag syntax."""
    return re.escape(text).replace("<", "[<]").replace(">", "[>]") if text else ""


def gen_token(tok):
    """(regex, kind) for one token; kind 'W:<word>' marks a literal word."""
    if tok.isspace():
        return (" " if tok == " " else r"\s+"), "sp"
    if tok.isdigit():
        return r"\d+", "num"
    if re.match(r"^\d+\.\d+$", tok):
        return r"\d+\.\d+", "num"
    m = KV_RE.match(tok)
    if m and not m.group(2).startswith("\""):
        return lit(m.group(1)) + r"\S*", "kv:" + m.group(1)
    if re.search(r"\d", tok):
        if re.search(r"[0-9a-fA-F]{8,}", tok) or re.search(r"[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){3,}", tok):
            return r"\S+", "id"
        parts = re.split(r"(\d+)", tok)
        return "".join(r"\d+" if p.isdigit() else lit(p) for p in parts), "mixed:" + re.sub(r"\d+", "0", tok)
    return lit(tok), "W:" + tok


def host_regex(host):
    return "<ADDR>" if IP_RE.match(host) else "<HOST>"


class Positive(object):
    def __init__(self, index, line, content, host):
        self.index, self.line, self.content, self.host = index, line, content, host


def syslog_header(positives):
    """(head regex, per-positive remaining text) when all lines carry 'host tag: '."""
    names, pids, rests = set(), set(), []
    for p in positives:
        words = p.content.lstrip().split(" ", 2)
        if len(words) < 3:
            return None
        m = TAG_RE.match(words[1])
        if not m:
            return None
        names.add(m.group(1))
        pids.add((bool(m.group(2)), bool(m.group(3))))
        rests.append(words[2])
    if len(names) > 3:
        return None
    name_re = lit(next(iter(names))) if len(names) == 1 else "(?:%s)" % "|".join(lit(n) for n in sorted(names))
    paren = {a for a, _ in pids}
    pid = {b for _, b in pids}
    head = r"^\s*\S+ " + name_re
    if True in paren:
        head += r"(?:\([^)\s]*\))" + ("" if paren == {True} else "?")
    if True in pid:
        head += r"\[\d+\]" + ("" if pid == {True} else "?")
    head += r":\s"
    return head, rests, sorted(names)


def _locate(rest, host, left_hints):
    """Start of the failure address in ``rest``: the only occurrence, else the last one
    whose left context is a known one (" from ", "SRC=", ...), else the last one."""
    spots = [m.start() for m in re.finditer(re.escape(host), rest)
             if (m.start() == 0 or not rest[m.start() - 1].isalnum())
             and (m.end() == len(rest) or not rest[m.end()].isalnum() or rest[m.end()] in ".:")]
    if not spots:
        return None
    if len(spots) == 1:
        return spots[0]
    for s in reversed(spots):
        if any(rest[:s].endswith(h) for h in left_hints):
            return s
    return spots[-1]


def _pieces(text, host_side):
    """Generalised (regex, kind, raw) pieces of ``text``; ``host_side`` 'left'/'right' of the
    address. The part of the address's own token ("SRC=", "[client ", ":51380]") is kept
    literal (digits generalised): it is what tells where the address is."""
    toks = TOKEN_RE.findall(text)
    out = [gen_token(t) + (t,) for t in toks]
    if host_side == "left" and toks and not toks[-1].isspace():
        t = toks[-1]
        out[-1] = (lit(t), "pre:" + t, t)
    if host_side == "right" and toks and not toks[0].isspace():
        t = toks[0]
        parts = re.split(r"(\d+)", t)
        out[0] = ("".join(r"\d+" if q.isdigit() else lit(q) for q in parts), "post:" + re.sub(r"\d+", "0", t), t)
    return out


def _cut_stem(pieces):
    """Keep the address's closing text and the first STEM_WORDS words after it; returns
    (pieces, cut) -- cut is True when something was left out."""
    words = 0
    for i, (_, kind, _) in enumerate(pieces):
        if kind.startswith("W:") or kind.startswith("mixed:"):
            words += 1
            if words == STEM_WORDS:
                return pieces[:i + 1], i + 1 < len(pieces)
    return pieces, False


def _first_word(pieces):
    for _, kind, raw in pieces:
        if kind.startswith("W:"):
            return raw
    return None


def templates(positives, rests, tails="full", strict=False):
    """Group positives by shape; return list of (before pieces, host re, after pieces, members, cut)."""
    left_hints = collections.Counter()
    located = []
    for p, rest in zip(positives, rests):
        spots = [m.start() for m in re.finditer(re.escape(p.host), rest)]
        if len(spots) == 1:
            left_hints[rest[max(0, spots[0] - 6):spots[0]]] += 1
    hints = [h for h, _ in left_hints.most_common(8) if h]
    for p, rest in zip(positives, rests):
        at = _locate(rest, p.host, hints)
        if at is None:
            raise NoAnchor("the address %s that the baseline extracted is not in line %d as "
                           "written (%r)" % (p.host, p.index + 1, p.line[:120]))
        before, after = rest[:at], rest[at + len(p.host):].rstrip()
        # split the address's own token: "[client " + ADDR + ":51380]"
        a = _pieces(after, "right")
        cut = False
        if tails == "stem":
            a, cut = _cut_stem(a)
        elif tails == "none":
            a, cut = a[:1] if a and a[0][1].startswith("post:") else [], True
        located.append((p, _pieces(before, "left"), host_regex(p.host), a, cut))
    groups = collections.OrderedDict()
    for p, b, h, a, cut in located:
        key = (cut, tuple(k if not k.startswith("W:") else "W" for _, k, _ in b), h,
               tuple(k if not k.startswith("W:") else "W" for _, k, _ in a),
               # the message's first word on each side of the address ("Failed", "Invalid",
               # "File", "script") and the word right before it ("from", "by") are literal:
               # words that vary inside one message (user names, paths) become \S+
               _first_word(b), _first_word(a), _first_word(list(reversed(b))))
        groups.setdefault(key, []).append((p, b, h, a, cut))
    out = []
    for members in groups.values():
        def merge(idx):
            pieces = []
            for pos in range(len(members[0][idx])):
                col = [m[idx][pos] for m in members]
                regs = {c[0] for c in col}
                raws = {c[2] for c in col}
                kind = col[0][1]
                if kind.startswith("kv:") and len(raws) == 1 and (
                        strict or re.match(r"^[A-Za-z_]+=[A-Z_]+$", col[0][2])):
                    pieces.append(lit(col[0][2]))          # PROTO=TCP, type=USER_ERR: constant
                elif (kind.startswith("mixed:") and len(raws) == 1 and len(members) >= 3
                      and max(len(d) for d in re.findall(r"\d+", col[0][2])) <= 2):
                    pieces.append(lit(col[0][2]))          # "f2b-syn:", "ssh2": constant names
                elif len(regs) == 1:
                    pieces.append(col[0][0])
                elif all(c[1] == "sp" for c in col):
                    pieces.append(r"\s+")
                else:
                    pieces.append(r"\S+")                 # a word that varies: user name, ...
            return pieces
        after = merge(3)
        if members[0][4]:
            while after and after[-1] in (" ", r"\s+"):
                after.pop()
        out.append((merge(1), members[0][2], after, [m[0] for m in members], members[0][4]))
    # fail2ban tries failregex lines in order until one matches: most frequent shape first
    out.sort(key=lambda g: -len(g[3]))
    if len(out) > MAX_TEMPLATES:
        raise NoAnchor("too varied to anchor: the positive lines have %d different shapes "
                       "(at most %d are turned into failregex lines)" % (len(out), MAX_TEMPLATES))
    return out


def common_prefix(lists):
    if not lists:
        return []
    n = min(len(l) for l in lists)
    k = 0
    while k < n and all(l[k] == lists[0][k] for l in lists):
        k += 1
    return list(lists[0][:k])


class Suggestion(object):
    def __init__(self, head, anchor, prefregex, failregex, names, shapes, tails):
        self.head = head            # syslog header regex or None
        self.anchor = anchor        # the common literal/generalised anchor (regex text)
        self.prefregex = prefregex  # None when the address opens the line
        self.failregex = failregex  # list
        self.names = names          # program tags found
        self.shapes = shapes        # number of line shapes
        self.tails = tails


def suggest(positives, tails="full", strict=False):
    """Build the anchored regexes for these positives (list of Positive).

    ``tails``: 'full' (the whole line after the address, anchored with $), 'stem' (the
    first words after the address: "] File does not exist:"), 'none' (nothing after the
    address's own token). ``strict``: KEY=value fields constant in the sample stay literal."""
    distinct = len({p.line for p in positives})
    if distinct < MIN_POSITIVES:
        raise NoAnchor("sample too small: %d distinct matching line(s), need at least %d to tell "
                       "the fixed parts of a line from the variable ones" % (distinct, MIN_POSITIVES))
    hdr = syslog_header(positives)
    if hdr:
        head, rests, names = hdr
    else:
        head, rests, names = None, [p.content for p in positives], []
    groups = templates(positives, rests, tails, strict)
    befores = [g[0] for g in groups]
    common = common_prefix(befores)
    # the message itself ("Invalid user ...") stays in the failregex: the anchor ends
    # before its first plain word
    for i, piece in enumerate(common):
        if re.match(r"^[A-Za-z]+$", piece):
            common = common[:i]
            break
    # keep the text right before the address in the failregex ("from ", "SRC=", "[client ")
    if common and any(len(b) == len(common) for b in befores):
        while common and common[-1] not in (" ", r"\s+"):
            common.pop()
    anchor = "".join(common)
    failregex = []
    for before, hre, after, _, cut in groups:
        body = "".join(before[len(common):]) + hre + "".join(after)
        failregex.append("^" + body + ("" if cut else r"\s*$"))
    # dedupe, keep order
    seen, uniq, members = {}, [], []
    for r, g in zip(failregex, groups):
        if r not in seen:
            seen[r] = len(uniq)
            uniq.append(r)
            members.append([])
        members[seen[r]].extend(g[3])
    if head or anchor:
        pref_head = head or r"^\s*"
        prefregex = pref_head + anchor + "<F-CONTENT>.+</F-CONTENT>$"
        # the anchor and failregex meet: the space after the anchor is part of the content
    else:
        prefregex = None
    sug = Suggestion(head, anchor, prefregex, uniq, names, len(groups), tails)
    sug.members = members  # positives per failregex line
    return sug
