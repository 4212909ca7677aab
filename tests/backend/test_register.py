"""Registration into fail2ban's Jail: names added, versions checked, one clear error otherwise."""
import pytest

from f2btune.backend import BACKENDS, register as reg
from f2btune.errors import Fail2banVersionError


def test_register_adds_the_backends():
    reg.register()
    from fail2ban.server.jail import Jail
    for name in BACKENDS:
        assert name in Jail._BACKENDS
        assert callable(getattr(Jail, "_init" + name.capitalize()))
    # stock backends keep their order and 'auto' still picks a stock one first
    assert Jail._BACKENDS.index("pyinotify") < Jail._BACKENDS.index("f2btune")


def test_unknown_fail2ban_version_is_refused(monkeypatch):
    import fail2ban.version
    monkeypatch.setattr(fail2ban.version, "version", "2.0.0")
    with pytest.raises(Fail2banVersionError, match="fail2ban 2.0.0 is not supported"):
        reg.check_internals()


def test_missing_internals_are_named(monkeypatch):
    from fail2ban.server.filter import Filter
    monkeypatch.delattr(Filter, "processLine")
    with pytest.raises(Fail2banVersionError, match="Filter.processLine"):
        reg.check_internals()


def test_import_error_does_not_fall_through_to_another_backend(monkeypatch):
    # fail2ban tries the next name of its list when a backend raises ImportError:
    # ours turn it into a RuntimeError, so the jail fails with the reason instead
    reg.register()
    import f2btune.backend.journal as j
    from fail2ban.server.jail import Jail

    def missing():
        raise ImportError("No module named 'systemd'")
    monkeypatch.setattr(j, "import_journal", missing)
    with pytest.raises(RuntimeError, match="No module named 'systemd'"):
        Jail("nojournal", backend="f2btune-journal")
