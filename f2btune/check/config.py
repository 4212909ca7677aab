"""Load a fail2ban configuration with fail2ban's own readers, as ``fail2ban-client -t`` does.

The result is a :class:`Config` holding the global options (``fail2ban.conf``) and one
:class:`Jail` per enabled jail, each built from the command stream fail2ban's client would
send to the server (``JailReader.convert()``), so what we check is what the server would run.
"""
import glob
import logging
import os

from f2btune.errors import InputError

JOURNAL_DIRS = ("/var/log/journal", "/run/log/journal")
SYSLOG_FILES = ("/var/log/syslog", "/var/log/messages", "/var/log/auth.log", "/var/log/kern.log")


class Action:
    """One action of a jail: a Python action (``kind='py'``) or a command action (``kind='cmd'``)."""

    def __init__(self, name, kind, path=None):
        self.name = name
        self.kind = kind
        self.path = path
        self.options = {}

    @property
    def actionban(self):
        return self.options.get("actionban", "")

    def __repr__(self):
        return "Action(%r, %r)" % (self.name, self.kind)


class Jail:
    """An enabled jail as the server would receive it."""

    def __init__(self, name, options, commands, error=None):
        self.name = name
        self.options = dict(options or {})   # JailReader.options (interpolated strings)
        self.commands = commands             # the jail's part of the config stream
        self.error = error
        self.backend = "auto"
        self.settings = {}                   # 'set' values by option name (last wins)
        self.failregex = []
        self.ignoreregex = []
        self.journalmatch = []
        self.logpaths = []
        self.actions = []
        self._parse()

    @property
    def filter_spec(self):
        return self.options.get("filter") or ""

    @property
    def prefregex(self):
        return self.settings.get("prefregex")

    @property
    def datepattern(self):
        return self.settings.get("datepattern")

    @property
    def usedns(self):
        return str(self.settings.get("usedns", "warn")).lower()

    @property
    def maxlines(self):
        return int(self.settings.get("maxlines", 1) or 1)

    @property
    def maxretry(self):
        return int(self.settings.get("maxretry", 5) or 5)

    @property
    def logpath_globs(self):
        """The ``logpath`` patterns as written (without the optional head/tail suffix)."""
        out = []
        for line in (self.options.get("logpath") or "").split("\n"):
            line = line.strip()
            if not line:
                continue
            parts = line.rsplit(" ", 1)
            out.append(parts[0] if len(parts) > 1 and parts[1] in ("head", "tail") else line)
        return out

    @property
    def uses_journal(self):
        return self.backend.split("[", 1)[0].startswith("systemd") or \
            self.backend.split("[", 1)[0] == "f2btune-journal"

    @property
    def filter_commands(self):
        """The filter part of the stream, as accepted by :func:`f2btune.f2b.apply_filter_commands`."""
        keep = ("usedns", "prefregex", "addfailregex", "addignoreregex", "maxlines", "datepattern")
        return [c for c in self.commands if c[0] in ("set", "multi-set") and len(c) > 2 and c[2] in keep]

    def _parse(self):
        for cmd in self.commands:
            kind = cmd[0]
            if kind == "add":
                self.backend = cmd[2]
                continue
            if kind not in ("set", "multi-set") or len(cmd) < 4:
                continue
            opt = cmd[2]
            values = cmd[3] if kind == "multi-set" and opt != "action" else cmd[3:]
            if opt == "addfailregex":
                self.failregex.extend(values)
            elif opt == "addignoreregex":
                self.ignoreregex.extend(values)
            elif opt == "addjournalmatch":
                self.journalmatch.append(" ".join(values))
            elif opt == "addlogpath":
                self.logpaths.append(values[0])
            elif opt == "addaction":
                if len(values) > 1:
                    self.actions.append(Action(values[0], "py", values[1]))
                else:
                    self.actions.append(Action(values[0], "cmd"))
            elif opt == "action":
                act = next((a for a in self.actions if a.name == cmd[3]), None)
                if act is not None:
                    if kind == "multi-set":
                        act.options.update(dict((k, v) for k, v in cmd[4]))
                    elif len(cmd) > 5:
                        act.options[cmd[4]] = cmd[5]
            else:
                self.settings[opt] = values[0] if values else None

    def __repr__(self):
        return "Jail(%r)" % self.name


class Config:
    """A loaded fail2ban configuration directory."""

    def __init__(self, confdir, general, jails, log):
        self.confdir = confdir
        self.general = general   # {'loglevel': 'INFO', 'dbfile': ..., ...}
        self.jails = jails       # enabled jails, in config order
        self.log = log           # fail2ban's own warnings/errors while reading

    @property
    def loglevel(self):
        return str(self.general.get("loglevel", "INFO"))

    @property
    def dbfile(self):
        return self.general.get("dbfile")

    @property
    def has_database(self):
        db = self.dbfile
        return bool(db) and str(db).lower() not in ("none", ":memory:")


def journald_only():
    """True on a system whose logs live only in the journal (Debian 12's default: no rsyslog)."""
    return any(os.path.isdir(d) for d in JOURNAL_DIRS) and \
        not any(os.path.exists(p) for p in SYSLOG_FILES)


def missing_logpaths(jail):
    """``logpath`` patterns of a file-backend jail that match no file."""
    if jail.uses_journal:
        return []
    return [p for p in jail.logpath_globs if not any(os.path.exists(f) for f in glob.glob(p))]


class _Collect(logging.Handler):
    def __init__(self):
        logging.Handler.__init__(self, logging.WARNING)
        self.records = []

    def emit(self, record):
        try:
            self.records.append((record.levelname, record.getMessage()))
        except Exception:  # a malformed message must not hide the real error
            self.records.append((record.levelname, str(record.msg)))


def load(confdir):
    """Read ``confdir`` like ``fail2ban-client -c confdir -t``; raise InputError if it does not load."""
    from f2btune.f2b import check_version
    check_version()
    confdir = os.path.abspath(confdir)
    if not os.path.isdir(confdir):
        raise InputError("no fail2ban configuration directory at %s" % confdir)
    for base in ("fail2ban", "jail"):
        if not any(os.path.isfile(os.path.join(confdir, base + ext)) for ext in (".conf", ".local")):
            raise InputError("%s: no %s.conf (is this a fail2ban configuration directory?)" % (confdir, base))

    from fail2ban.client.fail2banreader import Fail2banReader
    from fail2ban.client.jailsreader import JailsReader

    logger = logging.getLogger("fail2ban")
    collect = _Collect()
    saved = (logger.handlers[:], logger.propagate, logger.level)
    logger.handlers[:] = [collect]
    logger.propagate = False
    logger.setLevel(logging.WARNING)
    try:
        share = {}
        main = Fail2banReader(share_config=share)
        main.setBaseDir(confdir)
        jails = JailsReader(share_config=share)
        jails.setBaseDir(confdir)
        try:
            main.read()
            main.getOptions()
            if not jails.read():
                raise InputError("%s: cannot read jail.conf" % confdir)
            ok = jails.getOptions(ignoreWrong=True)
            general = dict((c[1], c[2]) for c in main.convert() if c[0] == "set")
            result = []
            for reader in jails.jails:
                error = (reader.options or {}).get("config-error")
                stream = [] if error else reader.convert(allow_no_files=True)
                result.append(Jail(reader.getName(), reader.options, stream, error))
        except InputError:
            raise
        except Exception as e:  # fail2ban raises plain exceptions for broken configs
            raise InputError("%s does not load: %s" % (confdir, _message(e)))
        if not ok:
            errors = [m for lvl, m in collect.records if lvl in ("ERROR", "CRITICAL")]
            raise InputError("%s does not load: %s" % (confdir, "; ".join(errors) or "no valid jail"))
        return Config(confdir, general, result, collect.records)
    finally:
        logger.handlers[:], logger.propagate = saved[0], saved[1]
        logger.setLevel(saved[2])


def _message(e):
    text = str(e).strip().replace("\n", " ")
    return "%s: %s" % (type(e).__name__, text) if text else type(e).__name__


def is_netfilter(jail):
    """True for a jail that reads netfilter LOG lines (one per packet in a flood)."""
    if jail.filter_spec.startswith("f2btune-synflood"):
        return True
    return any("SRC=" in r for r in jail.failregex + ([jail.prefregex] if jail.prefregex else []))
