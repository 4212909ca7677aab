"""Finding and driving the installed fail2ban (Debian's 1.0.2; 1.1.x written for on paper).

fail2ban is not on PyPI: Debian installs it into /usr/lib/python3/dist-packages, which a
virtual environment made with ``--system-site-packages`` (and PyPy with ``PYTHONPATH``) can see.
Everything else in f2btune reaches fail2ban through this module.
"""
import os
import sys

from f2btune.errors import Fail2banVersionError, InputError

DEBIAN_DIST_PACKAGES = "/usr/lib/python3/dist-packages"
# Versions whose private internals (Filter, FailManager, Jail backends) f2btune was written against.
KNOWN_SERIES = ("1.0", "1.1")


def interpreter_env(exe=None, extra_paths=(), env=None):
    """Environment in which interpreter ``exe`` imports f2btune and, if it is another
    interpreter than this one (e.g. pypy3), Debian's fail2ban plus ``extra_paths``."""
    from f2btune.paths import SOURCE_ROOT
    env = dict(os.environ if env is None else env)
    paths = [SOURCE_ROOT]
    if exe and os.path.realpath(exe) != os.path.realpath(sys.executable):
        paths.extend(extra_paths)
        if os.path.isdir(DEBIAN_DIST_PACKAGES):
            paths.append(DEBIAN_DIST_PACKAGES)
    old = env.get("PYTHONPATH")
    env["PYTHONPATH"] = os.pathsep.join(paths + ([old] if old else []))
    return env


def ensure_importable():
    """Make ``import fail2ban`` work (adds Debian's dist-packages as a last resort)."""
    try:
        import fail2ban  # noqa: F401
    except ImportError:
        if os.path.isdir(os.path.join(DEBIAN_DIST_PACKAGES, "fail2ban")):
            sys.path.append(DEBIAN_DIST_PACKAGES)
        try:
            import fail2ban  # noqa: F401
        except ImportError as e:
            raise Fail2banVersionError(
                "fail2ban is not importable (%s); install it with 'apt-get install fail2ban'" % e)
    return version()


def version():
    from fail2ban.version import version as v
    return v


def check_version(v=None):
    """Raise a clear error on a fail2ban series whose internals we have not read."""
    v = v or ensure_importable()
    if not any(v == s or v.startswith(s + ".") for s in KNOWN_SERIES):
        raise Fail2banVersionError(
            "fail2ban %s is not supported by f2btune (known: %s.x)" % (v, ".x, ".join(KNOWN_SERIES)))
    return v


def quiet_logging(level="CRITICAL"):
    """Silence fail2ban's own logger (it logs INFO per failure by default)."""
    import logging
    logging.getLogger("fail2ban").setLevel(getattr(logging, level))


def filter_commands(name_or_path, confdir=None, options=None, backend="file"):
    """Read a filter the way fail2ban does and return its command stream.

    ``name_or_path`` is a filter name under ``confdir/filter.d`` (optionally with
    ``[opt=value,...]``) or a path to a filter file.  Returns fail2ban's own
    ``FilterReader.convert()`` output: ``[['set', jail, 'prefregex', R], ...]``.
    """
    ensure_importable()
    from fail2ban.client.filterreader import FilterReader
    from fail2ban.helpers import extractOptions
    from f2btune.paths import default_confdir

    try:
        name, opts = extractOptions(name_or_path)
    except ValueError as e:
        raise InputError("bad filter specification %r: %s" % (name_or_path, e))
    if name is None:
        raise InputError("bad filter specification %r" % (name_or_path,))
    opts = dict(opts or {})
    opts.update(options or {})
    if os.sep in name or name.endswith((".conf", ".local")):
        path = os.path.abspath(name)
        if not os.path.isfile(path):
            raise InputError("filter file not found: %s" % name)
        if os.path.basename(os.path.dirname(path)) == "filter.d":
            basedir, fname = os.path.dirname(os.path.dirname(path)), os.path.splitext(os.path.basename(path))[0]
            if not os.path.isfile(os.path.join(basedir, "filter.d", "common.conf")):
                # a snippet tree (like f2btune's source): its [INCLUDES] (sshd.conf,
                # common.conf, ...) live in the stock config, so read it from a merged dir
                basedir = _merged_confdir(basedir)
        else:
            basedir, fname = None, path
    else:
        basedir, fname = confdir or default_confdir(), name
        if not any(os.path.isfile(os.path.join(basedir, "filter.d", fname + ext)) for ext in (".conf", ".local")):
            raise InputError("no filter named %r in %s/filter.d" % (name, basedir))
    reader = FilterReader(fname, "f2btune", opts, basedir=basedir)
    try:
        if basedir is None:
            reader.setBaseDir(None)
            ok = reader.readexplicit()
        else:
            ok = reader.read()
        if not ok:
            raise InputError("could not read filter %r" % name_or_path)
        reader.applyAutoOptions(backend)
        reader.getOptions(None)
        return reader.convert()
    except InputError:
        raise
    except Exception as e:  # fail2ban raises plain exceptions for broken configs
        raise InputError("filter %r: %s" % (name_or_path, e))


_MERGED = {}


def _merged_confdir(snippets):
    """A private config dir (stock + the snippet tree at ``snippets``), made once per process."""
    if snippets not in _MERGED:
        import atexit
        import shutil
        import tempfile
        from f2btune.paths import build_confdir
        d = tempfile.mkdtemp(prefix="f2btune-conf-")
        atexit.register(shutil.rmtree, d, True)
        _MERGED[snippets] = build_confdir(d, ours=snippets)
    return _MERGED[snippets]


def apply_filter_commands(flt, commands):
    """Apply a FilterReader command stream to a fail2ban ``Filter`` (as the server would)."""
    journalmatch = []
    for cmd in commands:
        kind, _, opt = cmd[:3]
        values = cmd[3] if kind == "multi-set" else cmd[3:]
        try:
            if opt == "usedns":
                flt.setUseDns(values[0])
            elif opt == "prefregex":
                flt.prefRegex = values[0]
            elif opt == "addfailregex":
                for v in values:
                    flt.addFailRegex(v)
            elif opt == "addignoreregex":
                for v in values:
                    flt.addIgnoreRegex(v)
            elif opt == "maxlines":
                flt.setMaxLines(values[0])
            elif opt == "datepattern":
                flt.setDatePattern(values[0])
            elif opt == "addjournalmatch":
                journalmatch.append(list(values))
        except Exception as e:  # fail2ban's RegexException and friends
            raise InputError("%s %r rejected by fail2ban: %s" % (opt, values, e))
    return journalmatch


def configure_filter(flt, commands=None, failregex=None, datepattern=None, usedns="no"):
    """Configure a fail2ban ``Filter`` (a bare one or a jail's) as the server would: ``usedns``,
    a FilterReader command stream, then a raw ``failregex`` and a ``datepattern``."""
    flt.setUseDns(usedns)
    if commands:
        apply_filter_commands(flt, commands)
    if failregex is not None:
        try:
            flt.addFailRegex(failregex)
        except Exception as e:  # fail2ban's RegexException
            raise InputError("failregex %r rejected by fail2ban: %s" % (failregex, e))
    if datepattern is not None:
        try:
            flt.setDatePattern(datepattern)
        except Exception as e:
            raise InputError("datepattern rejected by fail2ban: %s" % e)
    return flt


def make_filter(filter_spec=None, failregex=None, confdir=None, datepattern=None, options=None,
                usedns="no", commands=None):
    """A real fail2ban ``Filter`` for a filter file/name (or its already read ``commands``) and/or
    a raw failregex."""
    ensure_importable()
    from fail2ban.server.filter import Filter
    if filter_spec:
        commands = filter_commands(filter_spec, confdir, options)
    return configure_filter(Filter(None), commands, failregex, datepattern, usedns)
