"""f2btune's fail2ban backends: ``f2btune`` (files, named pipes) and ``f2btune-journal``.

fail2ban has no backend plug-in hook: :func:`f2btune.backend.register.register` adds the
names to ``Jail._BACKENDS`` (version-checked) inside a server started by ``f2btune server``.
"""
# backend name -> flavour; "systemd-f2btune" is the journal flavour under a name fail2ban's
# client treats as a journal backend (no logpath needed, logtype = journal automatically)
BACKENDS = {
    "f2btune": "file",
    "f2btune-journal": "journal",
    "systemd-f2btune": "journal",
}

__all__ = ["BACKENDS"]
