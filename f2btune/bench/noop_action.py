"""A fail2ban Python action that bans nothing: the jail stage's ban step without a firewall.

Loaded by fail2ban's own ``Actions.add(name, path)`` (``SourceFileLoader``), so a ban goes through
the real BanManager, ActionInfo and action-call path and stops only at the firewall command.
"""
from fail2ban.server.action import ActionBase


class NoopAction(ActionBase):
    """Accept every ban and unban, do nothing."""

    def start(self):
        pass

    def stop(self):
        pass

    def ban(self, aInfo):
        pass

    def unban(self, aInfo):
        pass


Action = NoopAction
