"""Which rules of an rsyslog configuration write a given file, and whether local programs can reach them.

Read the way rsyslog reads it: ``/etc/rsyslog.conf`` and what it includes (``$IncludeConfig``,
``include(file=...)``), comments and blank lines skipped.  Understood are the legacy forms Debian
ships and most admins write: selector lines (``kern.*  -/var/log/kern.log``), property filters
(``:msg, contains, "[UFW " /var/log/ufw.log``) and ``&`` continuation lines.  Everything else that
can route messages (RainerScript ``if``/``action()``/``ruleset()`` blocks, dynamic file templates)
is kept as text: f2btune does not judge it.

What local programs can reach (tested against a real rsyslogd, tests/check/test_rsyslog_chain.py):
any selector, *including* ``kern.*`` -- a datagram written to /dev/log may carry facility 0
(``<4>kernel: ...``), which rsyslog files as a kernel message -- and any filter on the message
text, tag, program or host name.  Only a filter on the input module that reads the kernel's own
buffer (``:inputname, isequal, "imklog"`` or ``"imkmsg"``) keeps them out.
"""
import collections
import glob
import os
import re

KERNEL_INPUTS = ("imklog", "imkmsg")
# message properties a local program chooses when it writes to /dev/log
USER_PROPERTIES = ("msg", "rawmsg", "rawmsg-after-pri", "syslogtag", "programname", "app-name", "hostname",
                   "source", "pri", "pri-text", "syslogfacility", "syslogfacility-text", "syslogseverity",
                   "syslogseverity-text", "syslogpriority", "syslogpriority-text", "procid", "msgid")
SELECTOR_RE = re.compile(r"^(?:[a-z0-9*]+(?:,[a-z0-9*]+)*\.[!=]*[a-z*]+;?)+$", re.I)
PROPERTY_RE = re.compile(r'^:([\w-]+)\s*,\s*(!?[\w-]+)\s*,\s*"((?:[^"\\]|\\.)*)"\s*(.*)$')
FILE_PARAM_RE = re.compile(r'\bfile\s*=\s*"([^"]+)"')
RAINER_START = re.compile(r"^(?:if\b|action\s*\(|ruleset\s*\(|call\b|set\b|unset\b|foreach\b|reset\b|"
                          r"template\s*\(|module\s*\(|input\s*\(|global\s*\(|main_queue\s*\(|parser\s*\(|"
                          r"timezone\s*\(|lookup_table\s*\(|dyn_stats\s*\(|include\s*\(|property\s*\(|"
                          r"constant\s*\(|\{|\})")

Rule = collections.namedtuple("Rule", "source line filter reach targets")   # reach: user | kernel | unknown
Block = collections.namedtuple("Block", "source line text")


class Config(object):
    """The parsed configuration: rules (understood), blocks (not parsed), files read."""

    def __init__(self, path):
        self.path = path
        self.rules = []
        self.blocks = []
        self.files = []

    def writers(self, path_glob):
        """(rules, blocks) writing a file matched by ``path_glob`` (a jail's logpath pattern)."""
        import fnmatch
        norm = os.path.normpath(path_glob)
        rules = [r for r in self.rules if any(t == norm or fnmatch.fnmatch(t, norm) for t in r.targets)]
        blocks = [b for b in self.blocks if any(t == norm or fnmatch.fnmatch(t, norm)
                                                for t in _file_params(b.text))
                  or os.path.normpath(path_glob) in b.text]
        return rules, blocks


def parse(path):
    """Parse the rsyslog configuration at ``path`` (InputError if unreadable)."""
    conf = Config(path)
    _read(conf, path, depth=0)
    return conf


def _read(conf, path, depth):
    from f2btune.errors import InputError
    if depth > 10:
        raise InputError("%s: includes nested more than 10 deep" % path)
    import stat
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise InputError("%s is not a regular file" % path)
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError as e:
        raise InputError("cannot read %s: %s" % (path, e.strerror or e))
    conf.files.append(path)
    last = None                     # the filter '&' lines continue
    statements = _statements(text)
    for lineno, stmt in statements:
        if stmt.startswith("$IncludeConfig"):
            for inc in sorted(glob.glob(stmt.split(None, 1)[1].strip() if " " in stmt else "")):
                _read(conf, inc, depth + 1)
        elif stmt.startswith("include") and RAINER_START.match(stmt):
            for name in FILE_PARAM_RE.findall(stmt):
                for inc in sorted(glob.glob(name)):
                    _read(conf, inc, depth + 1)
        elif stmt.startswith("$"):
            continue                # legacy directives: no routing
        elif RAINER_START.match(stmt):
            if not re.match(r"^(?:template|module|input|global|main_queue|parser|timezone|lookup_table|"
                            r"dyn_stats|property|constant)\s*\(", stmt):
                conf.blocks.append(Block(path, lineno, stmt))
            last = None
        elif stmt.startswith("&"):
            if last is not None:
                conf.rules.append(last._replace(line=lineno, targets=_targets(stmt[1:])))
        else:
            last = _rule(path, lineno, stmt)
            if last is None:
                conf.blocks.append(Block(path, lineno, stmt))
            elif last.reach is not None:
                conf.rules.append(last)


def _rule(path, lineno, stmt):
    """A legacy selector or property-filter line as a Rule (reach None: matches nothing), or None."""
    m = PROPERTY_RE.match(stmt)
    if m:
        prop, op, value, action = m.group(1).lower(), m.group(2).lower(), m.group(3), m.group(4)
        if prop == "inputname" and op == "isequal" and value in KERNEL_INPUTS:
            reach = "kernel"
        elif prop in USER_PROPERTIES:
            reach = "user"
        else:
            reach = "unknown"
        return Rule(path, lineno, stmt.split(action)[0].strip() if action else stmt, reach, _targets(action))
    parts = stmt.split(None, 1)
    if len(parts) == 2 and SELECTOR_RE.match(parts[0]):
        selectors = [s for s in parts[0].split(";") if s]
        if all(s.split(".", 1)[1].lower() == "none" for s in selectors):
            return Rule(path, lineno, parts[0], None, ())
        return Rule(path, lineno, parts[0], "user", _targets(parts[1]))
    return None


def _targets(action):
    """The files an action writes (absolute, normalised); empty for other actions."""
    action = action.strip()
    files = _file_params(action) if "(" in action else []
    if not files:
        action = action.lstrip("-")
        if action.startswith(":omfile:"):
            action = action[len(":omfile:"):].lstrip("-")
        if action.startswith("/"):
            files = [action.split(";", 1)[0].strip()]
    return tuple(os.path.normpath(f) for f in files)


def _file_params(text):
    return [f for f in FILE_PARAM_RE.findall(text) if f.startswith("/")]


def _statements(text):
    """(line number, statement) pairs: comments dropped, bracketed RainerScript joined."""
    out = []
    buf, start, depth = [], 0, 0
    for n, raw in enumerate(text.splitlines(), 1):
        line = _strip_comment(raw).strip()
        if not line:
            continue
        if not buf:
            start = n
        cont = line.endswith("\\")
        buf.append(line[:-1].rstrip() if cont else line)
        depth += _balance(line)
        if depth <= 0 and not cont:
            out.append((start, _join(buf)))
            buf, depth = [], 0
    if buf:
        out.append((start, _join(buf)))
    return out


def _join(pieces):
    """Continued selector lists ("kern.*;\\" + "mail.none") join without a space, the rest with one."""
    out = pieces[0]
    for p in pieces[1:]:
        out += p if out.endswith(";") or out.endswith(",") else " " + p
    return out


def _strip_comment(line):
    """The line without a '#' comment outside quotes."""
    quoted = False
    for i, c in enumerate(line):
        if c == '"':
            quoted = not quoted
        elif c == "#" and not quoted:
            return line[:i]
    return line


def _balance(line):
    """Open minus closed brackets and braces outside quotes."""
    depth, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif not quoted and c in "({":
            depth += 1
        elif not quoted and c in ")}":
            depth -= 1
    return depth
