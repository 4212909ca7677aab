"""The fleet settings file (``/etc/f2btune/fleet.conf``): LAPI address and credentials.

Credentials never go on a command line or into a jail file: they live in this one INI file,
which must be owned by root (or the user running the command) and not readable by group or
others.  A file with looser permissions is refused with the ``chmod`` that fixes it.
"""
import configparser
import os
import re
import stat

from f2btune.errors import InputError

DEFAULT_PATH = "/etc/f2btune/fleet.conf"
DEFAULT_STATE_DIR = "/var/lib/f2btune/fleet"
# bantime = -1 (permanent) is pushed as a decision of this length (365 days)
DEFAULT_PERMANENT = "8760h"
ORIGIN = "f2btune"
SCENARIO_PREFIX = "f2btune/"

TEMPLATE = """\
# f2btune fleet settings (root-only: chmod 600).  See docs/fleet.md.
[lapi]
url = http://127.0.0.1:8080/
# a machine, from: cscli machines add <machine_id> --password <password>
machine_id =
password =
# a bouncer key, from: cscli bouncers add <name>  (for 'f2btune fleet pull')
bouncer_key =

[push]
state_dir = %s
max_queue = 100000
batch = 100
permanent = %s

[pull]
interval = 1
origins = %s
scenarios = %s
set = fleet
chain = INPUT
blocktype = DROP
""" % (DEFAULT_STATE_DIR, DEFAULT_PERMANENT, ORIGIN, SCENARIO_PREFIX)


class FleetConfig(object):
    """The parsed settings; attributes named like the options."""

    def __init__(self, path, parser):
        self.path = path
        g = lambda section, key, default=None: parser.get(section, key, fallback=default)
        self.url = (g("lapi", "url") or "").strip()
        if not re.match(r"https?://[^/\s]+", self.url):
            raise InputError("%s: [lapi] url must be an http:// or https:// address, not %r"
                             % (path, self.url))
        self.machine_id = (g("lapi", "machine_id") or "").strip()
        self.password = (g("lapi", "password") or "").strip()
        self.bouncer_key = (g("lapi", "bouncer_key") or "").strip()
        self.state_dir = (g("push", "state_dir") or DEFAULT_STATE_DIR).strip()
        self.max_queue = _int(path, "push", "max_queue", g("push", "max_queue", "100000"), 1)
        self.batch = _int(path, "push", "batch", g("push", "batch", "100"), 1)
        self.permanent = (g("push", "permanent") or DEFAULT_PERMANENT).strip()
        from f2btune.fleet.godur import parse
        try:
            self.permanent_s = parse(self.permanent)
        except ValueError as e:
            raise InputError("%s: [push] permanent: %s" % (path, e))
        self.interval = _float(path, "pull", "interval", g("pull", "interval", "1"))
        self.origins = _words(g("pull", "origins", ORIGIN))
        self.scenarios = _words(g("pull", "scenarios", SCENARIO_PREFIX))
        self.set_stem = (g("pull", "set") or "fleet").strip()
        self.chain = (g("pull", "chain") or "INPUT").strip()
        self.blocktype = (g("pull", "blocktype") or "DROP").strip()

    def need_machine(self):
        if not (self.machine_id and self.password):
            raise InputError("%s: [lapi] machine_id and password are needed to push bans "
                             "(create them with: cscli machines add NAME --password PASSWORD)" % self.path)

    def need_bouncer(self):
        if not self.bouncer_key:
            raise InputError("%s: [lapi] bouncer_key is needed to pull decisions "
                             "(create one with: cscli bouncers add NAME)" % self.path)


def _int(path, section, key, value, low):
    try:
        v = int(str(value).strip())
    except ValueError:
        v = low - 1
    if v < low:
        raise InputError("%s: [%s] %s must be an integer >= %d, not %r" % (path, section, key, low, value))
    return v


def _float(path, section, key, value):
    try:
        v = float(str(value).strip())
    except ValueError:
        v = 0
    if not v > 0:
        raise InputError("%s: [%s] %s must be a positive number of seconds, not %r" % (path, section, key, value))
    return v


def _words(value):
    return [w for w in re.split(r"[\s,]+", value or "") if w]


def check_permissions(path, st=None):
    """Raise InputError unless ``path`` is owned by root (or us) and private to its owner."""
    st = st or os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise InputError("%s is not a regular file" % path)
    if st.st_uid not in (0, os.geteuid()):
        raise InputError("%s holds credentials but is owned by uid %d; run: chown root: %s"
                         % (path, st.st_uid, path))
    if st.st_mode & 0o077:
        raise InputError("%s holds credentials but has mode %04o (group/others may read it); "
                         "run: chmod 600 %s" % (path, stat.S_IMODE(st.st_mode), path))


def load(path=None):
    """Read and check the settings file; InputError with a one-line reason otherwise."""
    path = path or DEFAULT_PATH
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_NONBLOCK)
    except OSError as e:
        hint = " (create it from 'f2btune fleet template')" if e.errno == 2 else ""
        raise InputError("cannot read %s: %s%s" % (path, e.strerror, hint))
    try:
        check_permissions(path, os.fstat(fd))
        with os.fdopen(fd, "rb") as f:
            fd = None
            data = f.read(1 << 20)
    finally:
        if fd is not None:
            os.close(fd)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("%s is not UTF-8 text" % path)
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text, source=path)
    except configparser.Error as e:
        raise InputError("%s: %s" % (path, str(e).splitlines()[0]))
    return FleetConfig(path, parser)
