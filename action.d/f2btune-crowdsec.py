# Fail2Ban action file: f2btune-crowdsec.py (part of f2btune, GPL-2.0-or-later)
#
# Shares this jail's bans with a fleet of hosts through a CrowdSec Local API (LAPI): each ban
# becomes an alert with one decision (scope Ip, type ban, origin "f2btune", scenario
# "f2btune/<jail>", duration = the ban time fail2ban chose, escalation included).  Other hosts
# enforce it with 'f2btune fleet pull' or crowdsec-firewall-bouncer.  This action does not
# block anything locally: keep the jail's own ban action (e.g. f2btune-ipset.py) next to it.
#
# Usage, per jail (pushing is opt-in; add it only to jails whose sources cannot be spoofed,
# see docs/fleet.md "What not to push"):
#
#   action = f2btune-ipset.py[port="ssh"]
#            f2btune-crowdsec.py
#
# Parameters:
#   config   the settings file with the LAPI address and machine credentials
#            (default /etc/f2btune/fleet.conf; root-only, its permissions are checked)
#
# How it behaves:
#   - ban/unban only write to a local queue (SQLite in [push] state_dir) and wake one thread
#     shared by every jail: the local ban never waits for the network, no process per ban;
#   - the thread sends queued bans in batches; while the LAPI is down or slow they stay queued
#     (bounded by [push] max_queue, persisted) and are sent when it is back;
#   - a ban is identified by (jail, address, ban start): a ban restored after a restart, or a
#     push whose answer was lost, is never pushed twice;
#   - bantime = -1 is pushed with the duration [push] permanent (default 8760h = 365 days);
#   - an unban before the ban's end (fail2ban-client unban, unban --all) deletes the decisions
#     this host created; stopping fail2ban does not (the fleet keeps blocking);
#   - wrong credentials or an unreachable LAPI give one ERROR line naming the cause and the fix.
#
# Requirements: the f2btune Python package importable by fail2ban-server (the fail2ban-f2btune
# Debian package installs it), Python 3.9+ standard library only.

from fail2ban.server.actions import ActionBase

try:
    from f2btune.fleet import config as fleet_config, pusher as fleet_pusher
except ImportError as e:  # pragma: no cover - depends on the installation
    raise ImportError("f2btune-crowdsec.py needs the f2btune package importable by fail2ban-server "
                      "(install fail2ban-f2btune, or put f2btune on PYTHONPATH): %s" % e)


class F2btuneCrowdsec(ActionBase):

    def __init__(self, jail, name, config=None):
        super(F2btuneCrowdsec, self).__init__(jail, name)
        self.config_path = config or fleet_config.DEFAULT_PATH
        self.pusher = None

    def start(self):
        # a bad settings file fails the action's start with its one-line reason
        self.pusher = fleet_pusher.get(fleet_config.load(self.config_path), self._logSys)

    def stop(self):
        if self.pusher is not None:
            fleet_pusher.release(self.pusher)
            self.pusher = None

    def _stopping(self):
        actions = getattr(self._jail, "actions", None)
        return actions is not None and getattr(actions, "active", True) is False

    def ban(self, aInfo):
        if self.pusher is None:
            return
        self.pusher.ban(self._jail.name, str(aInfo["ip"]), float(aInfo["time"]), float(aInfo["bantime"]))

    def prolong(self, aInfo):
        self.ban(aInfo)

    def unban(self, aInfo):
        if self.pusher is None:
            return
        self.pusher.unban(self._jail.name, str(aInfo["ip"]), float(aInfo["time"]), float(aInfo["bantime"]),
                          stopping=self._stopping())


Action = F2btuneCrowdsec
