"""Lines that name nothing but a banned address, dropped before fail2ban's ``processLine``.

Filters off the counting fast path (a prefregex, multi-line ids: ``f2btune-sshd``) send
every line through ``processLine``, and the hand-off then drops the failures of banned
addresses.  Under an open flood (sources that keep writing while banned: a central log
host, bans enforced on another machine) most lines are such lines.  A line is dropped
before ``processLine`` only when all of these hold:

- it holds exactly one address-like token (any dotted quad, any run with two colons: more
  tokens than fail2ban reads, never fewer; found in time linear in the line's length), and
  that address is banned.  A failure, a
  success or an end of any other address's connection names that address too: a second
  token;
- it contains no literal of the failregexes whose match may lack an address (a later line
  of a connection, its address found through the multi-line id): such lines always reach
  ``processLine``, so a user name holding a banned address cannot hide them;
- every failure id of the filter is an address (no ``<F-ID>``, no host names), one line
  per buffer, and no action weighs failures per account (the tolerance action, which
  reads successes).

What it changes: fail2ban's per-connection cache (the last 100 connections) never sees the
dropped lines of a banned address.  A later line of that connection that relies on it
finds nothing there; its failure would be the banned address's, which the hand-off drops
anyway.  With more than 100 connections in flight, another connection's entry may stay
in the cache longer than with stock, and its own later lines are then attributed to it.
"""
import re

from f2btune.backend.anchor import address_required, any_literals

# generous on purpose: any dotted quad, and any run of hex digits, dots and two colons (taken
# from the run's start only, so a long run costs linear time, not quadratic)
DOTTED_QUAD = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
COLON_RUN = re.compile(r"(?<![0-9A-Fa-f.:])[0-9A-Fa-f.]*:[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*")
OTHER_IDS = frozenset(("fid", "dns"))


def derive(failregexes, prefregex, maxlines):
    """A :class:`BannedLines` for the jail's regexes, or None where dropping is not safe."""
    if maxlines != 1 or not failregexes:
        return None
    pref = _names(prefregex) if prefregex else set()
    if pref is None or pref & OTHER_IDS:
        return None
    keep = []
    for rx in failregexes:
        names = _names(rx)
        if names is None or names & OTHER_IDS:
            return None
        if address_required(rx):
            continue
        lits = any_literals(rx)          # a match may lack the address: keep such lines
        if not lits:
            return None                  # they could not be told apart: drop nothing
        keep.extend(lits)
    # a line holding a longer literal holds the shorter one inside it: test the shorter only
    keep = sorted(set(keep), key=len)
    return BannedLines([k for i, k in enumerate(keep) if not any(s in k for s in keep[:i])])


def _names(regex):
    try:
        return set(re.compile(regex).groupindex)
    except re.error:
        return None


class BannedLines(object):
    __slots__ = ("keep",)

    def __init__(self, keep):
        self.keep = tuple(keep)          # a line with any of these reaches processLine

    def droppable(self, tl, is_banned):
        """True when the line (fail2ban's tupleLine: text around the cut date) names exactly
        one address, banned (``is_banned(text)``), and cannot be a line without an address."""
        tokens = _addresses(tl[2])
        if tl[0]:
            tokens += _addresses(tl[0])
        if len(tokens) != 1 or not is_banned(tokens[0]):
            return False
        text = tl[0] + tl[2] if tl[0] else tl[2]
        for lit in self.keep:
            if lit in text:
                return False
        return True


def _addresses(text):
    """The address-like tokens of ``text``: its colon runs and its dotted quads (one inside
    the other counts twice: more tokens, never fewer).  A colon run ending in one colon
    ("port 22:11: Bye") loses it first: no IPv6 address ends so, and two colons must remain."""
    # each pattern needs its separators: most lines skip one of the two searches
    out = DOTTED_QUAD.findall(text) if text.count(".") >= 3 else []
    if text.count(":") < 2:
        return out
    for tok in COLON_RUN.findall(text):
        if tok[-1] == ":" and tok[-2:] != "::":
            tok = tok[:-1]
        if tok.count(":") >= 2:
            out.append(tok)
    return out
