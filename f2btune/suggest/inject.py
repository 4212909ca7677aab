"""Adversarial and near-miss variants of every shape a suggestion learnt.

Adversarial: each variable field of a shape's lines (a user name, a quoted message, a
``key=value``) is replaced by address-like text - a bare address, and a copy of the line's own
address spot and the rest of the line with another address in it (the classic user-name
injection). Text carrying an address is also appended, and written right after the address.
A safe filter never reports the injected address (it may still report the real one, or none).
Near-miss: one keyword of the message changed; a safe filter does not match such a line where
the baseline does not match it either.
"""
import re

from f2btune.suggest.tokens import around, lit

INJ4 = "198.51.100.254"
INJ6 = "2001:db8:dead::254"
SPOT = 16       # characters of the address's spot copied into an injected field
PER_SHAPE = 2   # members of each shape used as templates


def injected_address(host):
    return INJ6 if ":" in host else INJ4


def _replace(line, rest, token, value):
    """``line`` with ``token`` (a token of ``rest``, the line's message) replaced by ``value``."""
    at = line.find(rest)
    if at >= 0:
        s = at + token.start
        return line[:s] + value + line[s + len(token.text):]
    s = line.find(token.text)
    return None if s < 0 else line[:s] + value + line[s + len(token.text):]


def _field_value(token, text):
    if token.kind == "kv":
        return token.text.split("=", 1)[0] + "=" + text.replace(" ", "_")
    if token.kind in ("q", "kq"):
        key = token.text.split("=", 1)[0] + "=" if token.kind == "kq" else ""
        q = token.text[len(key)]
        inner = text.replace("\\", "\\\\").replace(q, "\\" + q) if q == '"' else text.replace(q, "")
        return key + q + inner + q
    return text


def _fields(group, member):
    """(token, is_field) for the tokens of ``member`` that the shape's regex pieces cover."""
    before, after = around(member.rest, member.span, rstrip=False)
    out = []
    for toks, pieces in ((before, group.before), (after, group.after)):
        for t, piece in zip(toks, pieces):
            out.append((t, t.kind in ("w", "q", "kq", "kv") and piece != lit(t.text)))
    return out


def adversarial(group, member):
    """[(variant line, injected address)] for one member of one shape."""
    inj = injected_address(member.host)
    line, rest = member.line, member.rest
    s, e = member.span
    copy = rest[max(0, s - SPOT):s] + inj + rest[e:]
    out = [line.rstrip() + " from " + inj, line.rstrip() + " " + inj]
    at = line.find(rest)
    if at >= 0:
        out.append(line[:at + e] + " [client " + inj + "]" + line[at + e:])
    for tok, is_field in _fields(group, member):
        if not is_field:
            continue
        for text in (inj, "x " + copy, "x " + rest[max(0, s - SPOT):s] + inj + rest[e:e + SPOT] + " y"):
            v = _replace(line, rest, tok, _field_value(tok, text))
            if v and v != line:
                out.append(v)
    return [(v, inj) for v in dict.fromkeys(out)]


def near_misses(member, limit=40):
    """The line with one keyword of its message changed at a time (the baseline's words among
    them): lines of the same form that are not the failure."""
    out = []
    before, after = around(member.rest, member.span, rstrip=False)
    for tok in before + after:
        if tok.kind not in ("w", "q", "kq", "kv") or len(re.findall(r"[A-Za-z]", tok.text.split("=", 1)[-1])) < 3:
            continue
        key, value = (tok.text.split("=", 1)[0] + "=", tok.text.split("=", 1)[1]) if tok.kind == "kv" \
            else ("", tok.text)
        word = key + re.sub(r"[A-Za-z]{3,}", lambda m: m.group()[::-1] if m.group()[::-1] != m.group()
                            else m.group() + "x", value, count=1)
        v = _replace(member.line, member.rest, tok, word)
        if v and v != member.line:
            out.append(v)
        if len(out) >= limit:
            break
    return out


def variants(suggestion):
    """(adversarial [(line, injected)], near-miss [line]) over every shape of a suggestion."""
    adv, near = [], []
    for g in suggestion.groups:
        for m in g.members[:PER_SHAPE]:
            adv.extend(adversarial(g, m))
            near.extend(near_misses(m))
    return adv, near
