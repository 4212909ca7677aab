"""Tokens of a log message and the narrowest regex that covers a column of their values.

A message is cut into spaces, quoted strings (``"..."``, ``'...'``, with an optional ``key=``),
unquoted ``key=value`` pairs, words and single punctuation characters. Lines of one shape have
the same token kinds in the same order; :func:`column` turns the values one position took in
those lines into a regex: literal where the position is a keyword, a field class where it
varies or sits in a value position (after ``key=``, inside quotes, after ``user``/``for``...).
"""
import re

DQ = r'"(?:[^"\\]|\\.)*"'
SQ = r"'[^'\n]*'"
TOKEN_RE = re.compile(
    r"(?P<sp>\s+)"
    r"|(?P<kq>[A-Za-z_][\w.-]*=(?:%s|%s))"
    r"|(?P<q>%s|%s)"
    r"|(?P<kv>[A-Za-z_][\w.-]*=[^\s\"',;()\[\]{}]*)"
    r"|(?P<w>[^\s\"'\[\](){},;]+)"
    r"|(?P<p>.)" % (DQ, SQ, DQ, SQ))
# a double-quoted value: no unescaped quote inside (JSON, logfmt escape quotes with a backslash)
DQ_BODY = r'[^"\\]*(?:\\.[^"\\]*)*'
SQ_BODY = r"[^']*"
# words after which the next word is a value a client chooses (a user name, an account);
# the longer ones only as labels ("login:", "name=")
USER_WORDS = {"user", "for", "account"}
USER_LABELS = {"user", "account", "login", "username", "name", "uname"}
MESSAGE_WORD = re.compile(r"^[A-Za-z][A-Za-z'-]*[:;,.!?]*$")


def user_position(prev):
    """True when the word after ``prev`` is a value a client chooses."""
    low = prev.lower()
    return low in USER_WORDS or (low[-1:] in (":", "=") and low[:-1] in USER_LABELS)


def message_word(token, prev):
    """The token's text when it is a word of the message (not a value a client chose)."""
    if token.kind == "w" and MESSAGE_WORD.match(token.text) and not user_position(prev):
        return token.text
    if token.kind in ("q", "kq"):
        inner = quoted_inner(token.text)[1]
        first = inner.split(" ", 1)[0]
        return first if " " in inner and MESSAGE_WORD.match(first) else None
    return None


def lit(text):
    """A literal for a fail2ban regex: re-escaped, '<' kept away from fail2ban's tag syntax."""
    return re.escape(text).replace("\\ ", " ").replace("<", "[<]").replace(">", "[>]") if text else ""


class Token(object):
    __slots__ = ("kind", "text", "start")

    def __init__(self, kind, text, start=0):
        self.kind, self.text, self.start = kind, text, start

    @property
    def end(self):
        return self.start + len(self.text)

    def key(self):
        """What must be equal for two tokens to share a column."""
        if self.kind == "p":
            return "p" + self.text
        if self.kind in ("kv", "kq"):
            return self.kind + self.text.split("=", 1)[0]
        return self.kind


def tokenise(text, offset=0):
    return [Token(m.lastgroup, m.group(), offset + m.start()) for m in TOKEN_RE.finditer(text)]


def around(text, span, rstrip=True):
    """(tokens before, tokens after) an address span; an address that is a whole quoted value
    leaves its closing quote as a token of its own (not the start of another string)."""
    s, e = span
    after = text[e:].rstrip() if rstrip else text[e:]
    closing = []
    if s > 0 and after[:1] in "\"'" and text[s - 1] == after[:1]:
        closing, after, e = [Token("p", after[0], e)], after[1:], e + 1
    return tokenise(text[:s]), closing + tokenise(after, e)


def quoted_inner(text):
    """(opening quote, inner text) of a q/kq token's quoted part."""
    body = text.split("=", 1)[1] if not text[:1] in "\"'" else text
    return body[0], body[1:-1]


def digits_generalised(text):
    return "".join(r"\d+" if p.isdigit() else lit(p) for p in re.split(r"(\d+)", text))


def _word_class(values, follow):
    if all(v.isdigit() for v in values):
        return r"\d+"
    shapes = {re.sub(r"\d+", "0", v) for v in values}
    if len(shapes) == 1 and re.search(r"\d", values[0]):
        return digits_generalised(values[0])
    if all(re.match(r"^[0-9A-Fa-f]{8,}$", v) for v in values):
        return "[0-9A-Fa-f]+"
    stop = follow[:1] if follow[:1] and not follow[:1].isspace() and not follow[:1].isalnum() else ""
    return (r"[^\s%s]+" % re.escape(stop)) if stop else r"\S+"


def _quoted_class(values, quote, keep_words):
    """Quote, the words every value starts with (when ``keep_words``), the rest as a class."""
    body = DQ_BODY if quote == '"' else SQ_BODY
    prefix = ""
    if keep_words:
        words = [v.split(" ") for v in values]
        common = []
        for ws in zip(*words):
            if len(set(ws)) != 1:
                break
            common.append(ws[0])
        if common and all(len(w) > len(common) for w in words):
            prefix = lit(" ".join(common) + " ")
    return lit(quote) + prefix + body + lit(quote)


def column(tokens, prev, follow, strict=0):
    """(regex, generalised_constant) for the aligned ``tokens`` of one position.

    ``prev``: the text of the previous non-space token (value-position test), ``follow``: the
    text right after (the delimiter a field must not swallow). ``strict`` 3: constant values
    stay literal wherever they are. ``generalised_constant`` is True
    when a value the sample never varied was made a field because of its position.
    """
    kind = tokens[0].kind
    values = [t.text for t in tokens]
    same = len(set(values)) == 1
    if kind == "sp":
        return (" " if values[0] == " " and same else r"\s+"), False
    if kind == "p":
        return lit(values[0]), False
    if kind in ("kv", "kq"):
        key = values[0].split("=", 1)[0] + "="
        vals = [v.split("=", 1)[1] for v in values]
        if kind == "kq":
            q = vals[0][:1]
            inner = [v[1:-1] for v in vals]
            if same and (strict > 2 or " " in inner[0]):
                return lit(values[0]), False
            return lit(key) + _quoted_class(inner, q, not same), same
        if same and strict > 2:
            return lit(values[0]), False
        if all(v.isdigit() for v in vals):
            return lit(key) + r"\d+", same
        return lit(key) + (r"\S*" if not all(vals) or same else r"\S+"), same
    if kind == "q":
        q, _ = quoted_inner(values[0])
        inner = [quoted_inner(v)[1] for v in values]
        json_key = follow.startswith(":")
        if same and (strict > 2 or json_key or " " in inner[0] or prev.endswith(("[", "("))):
            return lit(values[0]), False
        return _quoted_class(inner, q, not same), same
    # words
    if same:
        if strict < 3 and user_position(prev) and not values[0].isdigit() and not user_position(values[0]):
            return _word_class(values, follow), True
        if values[0].isdigit():
            return r"\d+", False
        if re.search(r"\d{3,}", values[0]):
            return digits_generalised(values[0]), False
        return lit(values[0]), False
    return _word_class(values, follow), False
