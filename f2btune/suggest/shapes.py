"""Line shapes: positives cut into tokens around their address, aligned, generalised by field.

Every positive's message becomes (tokens before the address, the address, tokens after it).
Lines whose token kinds agree - and whose message starts with the same word, and has the
same word before the address - form one shape; each position of a shape becomes the
narrowest regex covering its values (:func:`f2btune.suggest.tokens.column`). ``A`` and
``[A]`` are one address form: ``<ADDR>`` reads the brackets itself, the regex never writes them.
"""
import collections
import re

from f2btune.suggest.tokens import (DQ_BODY, MESSAGE_WORD, SQ_BODY, around, column, digits_generalised,
                                    lit, message_word)

STEM_WORDS = 4      # words of the message kept after the address in 'stem' mode
IP_RE = re.compile(r"^\[?[0-9a-fA-F:.]+\]?$")


class Shape(object):
    """One failregex: its pieces, its members (positives) and the fields never seen varying."""

    def __init__(self, before, addr, after, members, cut, constant_fields):
        self.before, self.addr, self.after = before, addr, after
        self.members, self.cut, self.constant_fields = members, cut, constant_fields

    def body(self, skip=0):
        return "".join(self.before[skip:]) + self.addr + "".join(self.after) + ("" if self.cut else r"\s*$")


def host_tag(text):
    return "<ADDR>" if IP_RE.match(text) else "<HOST>"


def _cut_stem(tokens):
    """The address's closing token and the first STEM_WORDS words after it: (tokens, cut)."""
    words = 0
    for i, t in enumerate(tokens):
        if t.kind in ("w", "q", "kv", "kq") and i > 0:
            words += 1
            if words == STEM_WORDS:
                return tokens[:i + 1], i + 1 < len(tokens)
    return tokens, False


def _first_word(tokens):
    """The first word of the message on one side of the address (numbers, ports left out)."""
    for t in tokens:
        if t.kind == "w" and MESSAGE_WORD.match(t.text):
            return t.text
    return None


def _split(p, tails):
    text, (s, e) = p.rest, p.span
    before, after = around(text, (s, e))
    cut = False
    if tails == "stem":
        after, cut = _cut_stem(after)
    elif tails == "none":
        after, cut = after[:1] if after and after[0].kind != "sp" else [], True
    if cut:
        while after and after[-1].kind == "sp":
            after.pop()
    return before, host_tag(text[s:e]), after, cut


def _alternation(col, words):
    """Message words that vary in one position: each literal, one of them."""
    if col[0].kind == "w":
        return "(?:%s)" % "|".join(lit(w) for w in sorted({t.text for t in col}))
    q, body = col[0].text[0] if col[0].kind == "q" else col[0].text.split("=", 1)[1][0], DQ_BODY
    key = lit(col[0].text.split("=", 1)[0] + "=") if col[0].kind == "kq" else ""
    return key + lit(q) + "(?:%s) " % "|".join(lit(w) for w in sorted(words)) + (
        body if q == '"' else SQ_BODY) + lit(q)


def _touching(col, edge):
    """The token glued to the address: literal (digits generalised) when its form is fixed,
    else a class that cannot reach into the address ("host[A]": the host name stops at "[")."""
    texts = {t.text for t in col}
    if len({re.sub(r"\d+", "0", t) for t in texts}) == 1:
        text = col[0].text
        return digits_generalised(text) if len(texts) > 1 or re.search(r"\d{3,}", text) else lit(text)
    return r"[^\s\[]+" if edge == "left" else r"\S+"


def _columns(rows, strict, edge):
    """Regex pieces for aligned token rows; ``edge`` 'left'/'right' keeps the token touching
    the address literal (digits generalised): it names the address's spot."""
    pieces, constant = [], []
    n = len(rows[0])
    for i in range(n):
        col = [r[i] for r in rows]
        touching = (edge == "left" and i == n - 1) or (edge == "right" and i == 0)
        if touching and col[0].kind != "sp":
            pieces.append(_touching(col, edge))
            continue
        prev = next((rows[0][j].text for j in range(i - 1, -1, -1) if rows[0][j].kind != "sp"), "")
        follow = rows[0][i + 1].text if i + 1 < n else ("" if edge == "right" else "<ADDR>")
        words = {message_word(t, prev) for t in col} if strict == 1 else {None}
        if None not in words and len(words) > 1:
            pieces.append(_alternation(col, words))
            continue
        regex, const = column(col, prev, follow, strict)
        pieces.append(regex)
        if const:
            constant.append(col[0].text)
    return pieces, constant


def _words(tokens):
    """The message words of a token row: lines differing in them are other shapes."""
    out, prev = [], ""
    for t in tokens:
        out.append(message_word(t, prev))
        if t.kind != "sp":
            prev = t.text
    return tuple(out)


def shapes(positives, tails="full", strict=0):
    """Group positives (with ``.rest`` and ``.span``) into :class:`Shape` objects.

    ``strict`` 0: words that vary between lines of one form become fields; from 1 on only
    values do (user names, numbers, quoted values): 1 lists the message words seen in an
    alternation, 2 and 3 make lines with other message words other shapes."""
    groups = collections.OrderedDict()
    for p in positives:
        before, tag, after, cut = _split(p, tails)
        key = (cut, tuple(t.key() for t in before), tag, tuple(t.key() for t in after),
               _first_word(before), _first_word(after))
        if strict > 1:
            key += (_words(before), _words(after))
        groups.setdefault(key, []).append((p, before, after))
    out = []
    for key, members in groups.items():
        b, cb = _columns([m[1] for m in members], strict, "left")
        a, ca = _columns([m[2] for m in members], strict, "right")
        out.append(Shape(b, key[2], a, [m[0] for m in members], key[0], cb + ca))
    out.sort(key=lambda s: -len(s.members))
    return out


def shape_key_of(text, span):
    """A comparable key of a line's shape (token kinds around the address)."""
    before, after = around(text, span)
    return (tuple(t.key() for t in before), tuple(t.key() for t in after))

