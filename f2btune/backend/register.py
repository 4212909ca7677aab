"""Version-checked registration of f2btune's backends into fail2ban's ``Jail``.

``Jail._setBackend`` (1.0.2 and 1.1.x alike) splits ``name[opts]``, looks the name up in the
private list ``Jail._BACKENDS`` and calls ``getattr(jail, '_init' + name.capitalize())(**opts)``,
which must set the jail's private ``__filter``.  We append our names and add those methods;
nothing else in fail2ban changes.  Every private name we rely on is checked first, so a
fail2ban that moved them fails with one clear message instead of misbehaving.
"""
from f2btune.backend import BACKENDS
from f2btune.errors import DependencyError, Fail2banVersionError

_registered = False


def _require(obj, names, where):
    missing = [n for n in names if not hasattr(obj, n)]
    if missing:
        return ["%s.%s" % (where, n) for n in missing]
    return []


def check_internals():
    """The private fail2ban internals the backends use; raises Fail2banVersionError."""
    from f2btune.f2b import check_version
    v = check_version()
    from fail2ban.server.jail import Jail
    from fail2ban.server.filter import Filter, FileFilter, JournalFilter
    from fail2ban.server.failmanager import FailManager
    from fail2ban.server.banmanager import BanManager
    from fail2ban.server.ticket import FailTicket
    from fail2ban.server import observer
    problems = []
    if not isinstance(getattr(Jail, "_BACKENDS", None), list):
        problems.append("Jail._BACKENDS")
    problems += _require(Jail, ("_setBackend", "_initPyinotify", "filter"), "Jail")
    problems += _require(Filter, ("processLine", "performBan", "performSvc", "_inIgnoreIPList",
                                  "getFailRegex", "prefRegex", "getMaxLines", "getLogEncoding",
                                  "commonError"), "Filter")
    problems += _require(FileFilter, ("addLogPath", "_updateDBPending"), "FileFilter")
    problems += _require(JournalFilter, ("addJournalMatch",), "JournalFilter")
    problems += _require(FailManager, ("addFailure", "toBan", "getMaxRetry"), "FailManager")
    problems += _require(BanManager(), ("_BanManager__banList", "_nextUnbanTime", "getBanTime"),
                         "BanManager")
    problems += _require(FailTicket, ("setTime", "getAttempt", "getEndOfBanTime"), "FailTicket")
    problems += _require(observer, ("Observers",), "observer")
    from fail2ban.server.actions import Actions
    problems += _require(Actions, ("_Actions__checkBan", "_Actions__checkUnBan"), "Actions")
    if problems:
        raise Fail2banVersionError(
            "fail2ban %s lacks internals the f2btune backend needs (%s); f2btune supports 1.0.x and 1.1.x"
            % (v, ", ".join(problems)))
    return v


def _make_init(flavour):
    def init(self, **kwargs):
        if flavour == "file":
            from f2btune.backend.filefilter import F2btuneFileFilter as cls
        else:
            from f2btune.backend.journal import F2btuneJournalFilter as cls
        try:
            flt = cls(self, **kwargs)
        except ImportError as e:
            # an ImportError would make fail2ban silently try the next backend in its list
            raise RuntimeError("backend %s: %s" % (flavour, e))
        self._Jail__filter = flt
    init.__name__ = "_init_f2btune_" + flavour
    return init


def register():
    """Make ``backend = f2btune`` / ``f2btune-journal`` usable in this process's fail2ban."""
    global _registered
    if _registered:
        return
    check_internals()
    from fail2ban.server.jail import Jail
    for name, flavour in BACKENDS.items():
        if name not in Jail._BACKENDS:
            Jail._BACKENDS.append(name)
        setattr(Jail, "_init" + name.capitalize(), _make_init(flavour))
    _registered = True


def require_pyinotify():
    try:
        import pyinotify  # noqa: F401
    except ImportError:
        raise DependencyError("pyinotify is not importable: apt-get install python3-pyinotify")
