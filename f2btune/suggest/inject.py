"""Injected variants of positive lines: user-controlled text carrying a second address.

For each positive line we make copies where a token that varies between lines (a user
name, a URL, a comment...) or the end of the line carries another address, in the shapes
attackers use: a bare address, "from <addr>", a copy of the failure message itself. A safe
filter never reports the injected address (it may still report the real one).
"""
import re

INJ4 = "198.51.100.254"
INJ6 = "2001:db8:dead::254"


def injected_address(host):
    return INJ6 if ":" in host else INJ4


def variants(line, host, limit=6):
    """[(variant line, injected address)] for one positive line with failure address ``host``."""
    inj = injected_address(host)
    out = []
    pos = line.rfind(host)
    if pos < 0:
        return out
    # 1) the tail of the line says "from <inj>" (text a client controls at the end of a message)
    out.append(line.rstrip() + " from " + inj)
    out.append(line.rstrip() + " " + inj)
    # 2) replace a word before the address with the injected address, then with a whole fake
    #    message ("x from <inj> port 1") -- the classic user-name injection
    head = line[:pos]
    words = [m for m in re.finditer(r"\S+", head)]
    for m in reversed(words[-6:-1]):
        w = m.group()
        if not re.match(r"^[A-Za-z_][\w.@-]*$", w) or w in ("from", "for", "user", "by", "to"):
            continue
        out.append(line[:m.start()] + inj + line[m.end():])
        out.append(line[:m.start()] + w + " from " + inj + " port 1" + line[m.end():])
        if len(out) >= limit:
            break
    # 3) the address field itself followed by text naming another address
    out.append(line[:pos] + host + " [client " + inj + "]" + line[pos + len(host):])
    return [(v, inj) for v in out[:limit]]
