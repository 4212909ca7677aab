"""The jails a replay runs: stock and tuned per flood kind, or the user's own jail.local section.

Stock is what an admin gets from fail2ban 1.0.2 as shipped (plus the seed regex for the SYN
flood, which fail2ban has no filter for, and the WP fail2ban plugin's filter text for
WordPress): ``backend = pyinotify`` (``systemd`` for the journal), loglevel INFO, fail2ban's
``iptables-ipset-proto6-allports`` action.  Stock sshd.conf has ``_daemon = sshd`` and would not
see OpenSSH 9.8's ``sshd-session`` lines, so the stock sshd profile sets ``_daemon`` to
``sshd(?:-session)?``, as an admin on a current OpenSSH must.

Tuned: the f2btune filter of the kind, ``backend = f2btune`` (``f2btune-journal``), loglevel
NOTICE, the ``f2btune-ipset.py`` action; for synflood the shipped ``[f2btune-synflood]`` jail.
"""
import configparser
import os

from f2btune.errors import InputError
from f2btune.seed import LOG_PREFIX, SEED_REGEX

TUNED_JAIL = "f2btune-synflood"
STOCK_JAIL = "f2btune-replay-stock"
AUTH_JAIL = "f2btune-replay-tuned"
SYN_SETTINGS = {"maxretry": "10", "findtime": "30", "bantime": "30"}
# fail2ban's jail.conf defaults, for the authentication floods
AUTH_SETTINGS = {"maxretry": "5", "findtime": "10m", "bantime": "10m"}
STOCK_ACTION = "iptables-ipset-proto6-allports[name=replay, blocktype=DROP]"
SEED_FILTER = """\
# The seed regex, as an admin would first write it (replay's stock profile).
[Definition]
failregex = %s
ignoreregex =
""" % SEED_REGEX
WP_FILTER = """\
# The WP fail2ban plugin's failure messages, with fail2ban's common prefix (replay's stock profile).
[INCLUDES]
before = common.conf
[Definition]
_daemon = (?:wordpress|wp)(?:\\(\\S+\\))?
failregex = ^%(__prefix_line)sAuthentication attempt for unknown user .* from <HOST>$
            ^%(__prefix_line)s(?:REST |XML-RPC )?Authentication failure for .* from <HOST>$
            ^%(__prefix_line)sXML-RPC multicall authentication failure from <HOST>$
            ^%(__prefix_line)sBlocked user enumeration attempt from <HOST>$
ignoreregex =
"""
# kind -> (stock filter, extra files, tuned filter)
KIND_FILTERS = {
    "synflood": ("f2btune-replay-seed", {"filter.d/f2btune-replay-seed.conf": SEED_FILTER}, None),
    "sshd": ('sshd[_daemon="sshd(?:-session)?"]', {}, "f2btune-sshd"),
    "apache-auth": ("apache-auth", {}, "f2btune-apache-auth"),
    "wordpress": ("f2btune-replay-wordpress", {"filter.d/f2btune-replay-wordpress.conf": WP_FILTER},
                  "f2btune-wordpress"),
}
JOURNAL_MATCH = {"synflood": "_TRANSPORT=kernel", "sshd": "_SYSTEMD_UNIT=ssh.service"}


def tuned_section(root=None):
    """Options of [f2btune-synflood] in the shipped jail.d/f2btune.conf (raw, uninterpolated)."""
    from f2btune.paths import snippets_root
    path = os.path.join(root or snippets_root(), "jail.d", "f2btune.conf")
    cp = configparser.RawConfigParser()
    cp.optionxform = str
    if os.path.isfile(path):
        cp.read(path)
    if cp.has_section(TUNED_JAIL):
        return dict(cp.items(TUNED_JAIL))
    return dict(SYN_SETTINGS)


def custom_profile(path):
    """(jail name, options) from a user's jail.local-style file: its first section."""
    cp = configparser.RawConfigParser()
    cp.optionxform = str
    try:
        with open(path) as f:
            cp.read_file(f)
    except (OSError, configparser.Error) as e:
        raise InputError("cannot read profile %s: %s" % (path, e))
    sections = [s for s in cp.sections() if s not in ("DEFAULT", "INCLUDES", "Definition")]
    if not sections:
        raise InputError("profile %s has no jail section" % path)
    return sections[0], dict(cp.items(sections[0]))


def have_tuned_action(confdir):
    return os.path.isfile(os.path.join(confdir, "action.d", "f2btune-ipset.py"))


def settings(kind):
    """maxretry, findtime, bantime of a kind (the same for every profile and peer)."""
    if kind == "synflood":
        tuned = tuned_section()
        return dict((k, tuned.get(k, v)) for k, v in SYN_SETTINGS.items())
    return dict(AUTH_SETTINGS)


def _source_opts(source, logpath, kind, backend, backend_opts=None):
    """backend (with journalfiles for the journal) and logpath or journalmatch."""
    opts = [o for o in (backend_opts, source == "journal" and 'journalfiles="%s"' % logpath) if o]
    be = backend + ("[%s]" % ", ".join(opts) if opts else "")
    if source == "journal":
        return [("backend", be), ("journalmatch", JOURNAL_MATCH[kind])]
    return [("backend", be), ("logpath", logpath)]


def profile_setup(profile, logpath, kind="synflood", source="file", backend_opts=None):
    """(jail name, jail options, server loglevel, extra files, maxretry) for a profile."""
    st = settings(kind)
    stock_filter, extra, tuned_filter = KIND_FILTERS[kind]
    journal = source == "journal"
    if profile == "stock":
        opts = [("enabled", "true"), ("filter", stock_filter)]
        opts += _source_opts(source, logpath, kind, "systemd" if journal else "pyinotify")
        opts += sorted(st.items()) + [("action", STOCK_ACTION)]
        return STOCK_JAIL, opts, "INFO", dict(extra), int(st["maxretry"])
    if profile == "tuned":
        be = "f2btune-journal" if journal else "f2btune"
        if kind == "synflood" and not journal:          # the shipped jail as it is
            opts = [("enabled", "true")] + _source_opts(source, logpath, kind, be, backend_opts)
            return TUNED_JAIL, opts, "NOTICE", {}, int(st["maxretry"])
        if kind == "synflood":
            tuned_filter = 'f2btune-synflood[logprefix="%s", logtype=journal]' % LOG_PREFIX
        opts = [("enabled", "true"), ("filter", tuned_filter)]
        opts += _source_opts(source, logpath, kind, be, backend_opts)
        opts += sorted(st.items()) + [("maxmatches", "1"), ("port", "0:65535"), ("protocol", "tcp"),
                                      ("action", 'f2btune-ipset.py[name=replay, port="%(port)s", '
                                                 'protocol="%(protocol)s", blocktype=DROP]')]
        return AUTH_JAIL, opts, "NOTICE", {}, int(st["maxretry"])
    name, section = custom_profile(profile)
    section = dict(section)
    section["enabled"] = "true"
    section["logpath"] = logpath
    return name, list(section.items()), "INFO", {}, int(section.get("maxretry", st["maxretry"]))
