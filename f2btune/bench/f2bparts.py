"""The fail2ban objects the benchmark stages and the counting pass share.

fail2ban's logger set up as a server's, the buffer its regexes see for a line (date cut out),
the candidate's regexes as fail2ban compiled them and the failure id fail2ban takes from a match.
"""
import logging
import logging.handlers

LOG_FORMAT_ADDTIME = True


def ensure_fail2ban():
    """fail2ban importable, in a version the stages support (else a typed error)."""
    from f2btune import f2b
    f2b.ensure_importable()
    f2b.check_version()


def set_fail2ban_logging(level="NOTICE", path=None):
    """fail2ban's logger as a server sets it up: level, and a file handler with its own format.

    Without ``path`` a NullHandler keeps stray warnings off the terminal.  Returns the handler.
    """
    from fail2ban.helpers import getLogger, getVerbosityFormat
    logger = getLogger("fail2ban")
    for h in list(logger.handlers):
        logger.removeHandler(h)
        h.close()
    if path:
        handler = logging.handlers.RotatingFileHandler(path)
        handler.setFormatter(logging.Formatter(getVerbosityFormat(0, addtime=LOG_FORMAT_ADDTIME)))
    else:
        handler = logging.NullHandler()
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.getLevelName(level) if isinstance(level, str) else level)
    return handler


def cut_date(flt, line):
    """The buffer fail2ban's regexes see for ``line``: date text removed, newline appended."""
    m = flt.dateDetector.matchTime(line)[0]
    if m:
        s, e = m.start(1), m.end(1)
        return line[:s] + line[e:] + "\n"
    return line + "\n"


class CompiledRegexes(object):
    """The candidate's regexes exactly as fail2ban compiled them (tags expanded)."""

    def __init__(self, flt):
        import re
        pref = flt.prefRegex
        self.pref = re.compile(pref.getRegex()).search if pref is not None else None
        self.content = pref is not None and "content" in re.compile(pref.getRegex()).groupindex
        self.fails = [re.compile(r).search for r in flt.getFailRegex()]

    def match(self, buf):
        """The groups of the first match (prefregex groups merged in), or None."""
        groups = {}
        if self.pref is not None:
            m = self.pref(buf)
            if m is None:
                return None
            groups = m.groupdict()
            content = groups.pop("content", None) if self.content else None
            if content:
                buf = content + "\n"
        for search in self.fails:
            m = search(buf)
            if m is not None:
                groups.update((k, v) for k, v in m.groupdict().items() if v is not None)
                return groups
        return None


def host_of(groups):
    """The failure id fail2ban would take from a match: an address (normalised) or an id."""
    from fail2ban.server.ipdns import IPAddr
    for key in ("ip4", "ip6"):
        if groups.get(key):
            return str(IPAddr(groups[key]))
    for key in ("dns", "fid"):
        if groups.get(key):
            return groups[key]
    return "?"


def stage_filter(candidate):
    """A fail2ban Filter for the filter stage: as fail2ban-regex runs it (no find-time check)."""
    ensure_fail2ban()
    flt = candidate.build_filter()
    flt.checkFindTime = False
    return flt
