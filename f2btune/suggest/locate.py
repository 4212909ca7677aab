"""Where a line's failure address is: its structural position, never user-controlled text.

The baseline says which address a line reports; this module finds the spot in the message
that holds it and says whether that spot can be trusted. An address is trusted where it is a
field of its own: a bare token (with its port, brackets or closing punctuation) or a whole
quoted value (``"remoteAddr":"A"``). It is not trusted inside a quoted string holding other
text (a message, a user name), right after ``user``/``for``/``account``..., or where another
address sits in the same kind of spot (the same text right before it): that is an injection.
"""
import functools
import ipaddress
import re

from f2btune.suggest.tokens import tokenise, user_position

RUN_RE = re.compile(r"[0-9A-Fa-f:.]{3,}")
CONTEXT = 5   # characters before an address that name its spot ("from ", "src=", "IP: ")
HINT = 3      # characters of that spot compared when a line holds the address twice


class Located(object):
    """The address span in a message, or why the line cannot be learnt from."""

    def __init__(self, start=None, end=None, injection=None):
        self.start, self.end, self.injection = start, end, injection


@functools.lru_cache(maxsize=8192)
def _as_ip(text):
    """The address (an IPv4-mapped IPv6 address as its IPv4 one, as fail2ban reports it)."""
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    return ip.ipv4_mapped if ip.version == 6 and ip.ipv4_mapped else ip


def addresses_in(text):
    """[(start, end, ip)] of the IP addresses written in ``text`` (ports and dots left out)."""
    out = []
    for m in RUN_RE.finditer(text):
        run, base = m.group(), m.start()
        if base and (text[base - 1].isalnum() or text[base - 1] in "_-"):
            continue
        tries = [run, run.rstrip(".:")]
        if run.count(":") >= 1 and re.search(r":\d+:?$", run):
            tries.append(re.sub(r":\d+:?$", "", run).rstrip("."))
        for t in tries:
            ip = _as_ip(t) if t else None
            if ip is not None:
                out.append((base, base + len(t), ip))
                break
    return out


def _occurrences(text, host):
    ip = _as_ip(host)
    if ip is not None:
        return [(s, e) for s, e, a in addresses_in(text) if a == ip]
    return [(m.start(), m.end()) for m in re.finditer(re.escape(host), text)
            if (m.start() == 0 or not (text[m.start() - 1].isalnum() or text[m.start() - 1] in "-."))
            and (m.end() == len(text) or not (text[m.end()].isalnum() or text[m.end()] == "-"))]


def _why_untrusted(tokens, start, end, text):
    for i, t in enumerate(tokens):
        if t.start <= start < t.end:
            if t.kind in ("q", "kq"):
                body = t.text.split("=", 1)[1] if t.kind == "kq" else t.text
                if body[1:-1].strip("[]") == text[start:end] or _in_field_list(body, t, start, end):
                    return None
                return "inside quoted text"
            prev = [p for p in tokens[:i] if p.kind != "sp"]
            if t.start == start and prev and user_position(prev[-1].text):
                return "in the user-name position after %r" % prev[-1].text
            return None
    return None


def _in_field_list(body, token, start, end):
    """True when a quoted string is a list of key=value fields (audit's msg='op=... addr=A')
    and the address is one whole value of it, outside the nested quotes."""
    inner_start = token.end - len(body) + 1
    inner = tokenise(body[1:-1], inner_start)
    if any(t.kind not in ("kv", "kq", "sp") for t in inner):
        return False
    value = "=" + body[1:-1][start - inner_start:end - inner_start]
    return any(t.kind == "kv" and t.end == end and t.text.endswith(value) for t in inner)


def locate(text, host, hints=()):
    """The address ``host`` in message ``text``: a :class:`Located`."""
    spots = _occurrences(text, host)
    if not spots:
        return Located(injection="the address %s is not written in the line" % host)
    tokens = tokenise(text)
    trusted, why = [], None
    for s, e in spots:
        reason = _why_untrusted(tokens, s, e, text)
        if reason is None:
            trusted.append((s, e))
        else:
            why = reason
    if not trusted:
        return Located(injection="the address the baseline reports (%s) is %s" % (host, why))
    s, e = trusted[-1]
    for h in hints:
        hinted = [(a, b) for a, b in trusted if _hint(text, a) == h]
        if hinted:
            s, e = hinted[-1]
            break
    ctx = text[max(0, s - CONTEXT):s]
    ip = _as_ip(host)
    for a, b, other in addresses_in(text):
        if other != ip and ctx.strip() and text[max(0, a - CONTEXT):a] == ctx:
            return Located(injection="another address (%s) is written in the same position (%r) "
                                     "as the one the baseline reports (%s)" % (other, ctx.strip(), host))
    if s > 0 and e < len(text) and text[s - 1] == "[" and text[e] == "]":
        s, e = s - 1, e + 1     # the [A] form: <ADDR> reads the brackets itself
    return Located(s, e)


def _hint(text, start):
    """The delimiter right before an address (" (", "=", '":"', ": ")."""
    return re.search(r"\W*$", text[max(0, start - HINT):start]).group()


def context_hints(texts_hosts):
    """Left contexts of addresses written once in their line, most frequent first."""
    counts = {}
    for text, host in texts_hosts:
        spots = _occurrences(text, host)
        if len(spots) == 1:
            s = spots[0][0]
            h = _hint(text, s)
            if h:
                counts[h] = counts.get(h, 0) + 1
    return [h for h, _ in sorted(counts.items(), key=lambda kv: -kv[1])][:8]
