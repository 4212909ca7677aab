# Fail2Ban action file: f2btune-tolerance.py (part of f2btune, GPL-2.0-or-later)
#
# Tolerance for addresses that logged in, without opening a door for brute force: after a
# success line (the filter's <F-MLFGAINED> failregex) the address is tolerated for `time`; a
# failure for an account that logged in from it counts 1/`factor`, any other account 1.  Ban
# when the weighted count within findtime reaches maxretry; a ban ends the tolerance.  The
# rule, its examples and the threat model: docs/tolerance.md.
#
# Usage, listed after the jail's ban action:
#
#   action = %(action_)s
#            f2btune-tolerance.py[time=1d, factor=5]
#
# Parameters (keyword arguments from the jail line; anything else stops the jail):
#   time     how long a success tolerates its address (fail2ban time: 3600, 1h, 1d;
#            default 1d)
#   factor   integer >= 1: failures for the tolerated account weigh 1/factor
#            (default 5; 1 = no tolerance, the jail counts as without the action)
#   unban    true | false (default false): a success from a banned address lifts the ban
#            (risk: whoever produces a success line can unban that address)
#   prefix6  48..128 (default 128): an IPv6 success tolerates its /prefix6 (64: every
#            privacy address of the host); counting and bans stay per address
#
# It hooks the jail's Filter._mergeFailure (successes) and FailManager.addFailure (weights in
# 1/factor units, maxretry*factor), so bans, findtime and the database stay fail2ban's.  State:
# f2btune-tolerance.<jail>.json beside fail2ban's database; `f2btune tolerance JAIL` lists and
# revokes.  Imports no f2btune module, so Debian's plain fail2ban-server can load it.

import json
import os
import re
import threading

from fail2ban.server.actions import ActionBase
from fail2ban.server.ipdns import IPAddr
from fail2ban.server.mytime import MyTime
from fail2ban.server.ticket import FailTicket

KNOWN = ("time", "factor", "unban", "prefix6")
MAX_ACCOUNTS = 32             # tolerated accounts per address (or network)
TRUE, FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


def parse_options(opts):
    """The action's parameters as {time, factor, unban, prefix6}; ValueError names a bad one."""
    bad = sorted(set(opts) - set(KNOWN))
    if bad:
        raise ValueError("f2btune-tolerance: unknown parameter %s (known: %s)"
                         % (", ".join(bad), ", ".join(KNOWN)))

    def fail(key, why):
        raise ValueError("f2btune-tolerance: %s = %r: %s" % (key, opts[key], why))

    out = {"time": 86400.0, "factor": 5, "unban": False, "prefix6": 128}
    if "time" in opts:
        try:
            out["time"] = float(MyTime.str2seconds(str(opts["time"]).strip()))
        except Exception:
            fail("time", "not a time (3600, 1h, 1d)")
        if not out["time"] > 0:
            fail("time", "must be positive")
    for key, lo, hi in (("factor", 1, 1000), ("prefix6", 48, 128)):
        if key in opts:
            text = str(opts[key]).strip()
            if not re.match(r"^\d+$", text) or not lo <= int(text) <= hi:
                fail(key, "an integer from %d to %d" % (lo, hi))
            out[key] = int(text)
    if "unban" in opts:
        text = str(opts["unban"]).strip().lower()
        if text not in TRUE + FALSE:
            fail("unban", "true or false")
        out["unban"] = text in TRUE
    return out


class Store(object):
    """The entries of one jail in a JSON file (None: in memory only)."""

    def __init__(self, path):
        self.path = path

    @staticmethod
    def beside(db, jailname):
        name = getattr(db, "filename", None) if db is not None else None
        if not name or name == ":memory:" or name.lower() == "none":
            return Store(None)
        safe = re.sub(r"[^\w.-]", "_", jailname)
        return Store(os.path.join(os.path.dirname(os.path.abspath(name)), "f2btune-tolerance.%s.json" % safe))

    def load(self):
        if self.path is None or not os.path.exists(self.path):
            return {}
        with open(self.path) as f:
            data = json.load(f)
        return data.get("entries", {})

    def save(self, entries):
        if self.path is None:
            return
        tmp = self.path + ".tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump({"version": 1, "entries": entries}, f)     # {key: {account: [granted, expires]}}
        os.replace(tmp, self.path)


class Tolerance(object):
    """Tolerated keys (address, or IPv6 network) -> {account: (granted, expires)}."""

    def __init__(self, opts, store, purgeage=None):
        self.opts = opts
        self.store = store
        self.purgeage = purgeage
        self.lock = threading.Lock()
        self.entries = {}

    def key(self, fid):
        ip = fid if isinstance(fid, IPAddr) else IPAddr(str(fid))
        if not ip.isValid:
            return None
        if ip.isIPv6 and self.opts["prefix6"] < 128:
            return str(IPAddr(ip.ntoa, self.opts["prefix6"]))
        return ip.ntoa

    def load(self, now):
        with self.lock:
            self.entries = dict((k, dict((u, tuple(t)) for u, t in v.items())) for k, v in self.store.load().items())
            self._purge(now)

    def _purge(self, now):
        old = now - self.purgeage if self.purgeage else None
        for k, users in list(self.entries.items()):
            for user, (granted, expires) in list(users.items()):
                if expires <= now or (old is not None and granted < old):
                    del users[user]
            if not users:
                del self.entries[k]

    def _save(self):
        self.store.save(self.entries)

    def grant(self, fid, user, when):
        key = self.key(fid)
        if key is None or not user:
            return False
        expires = when + self.opts["time"]
        with self.lock:
            users = self.entries.setdefault(key, {})
            old = users.get(user)
            if old is None and len(users) >= MAX_ACCOUNTS:
                del users[min(users, key=lambda u: users[u][1])]    # the one expiring first
            users[user] = (when, expires)
            # a refresh of the same grant is written when it moved by 1 % of `time`
            if old is None or expires - old[1] >= self.opts["time"] / 100.0:
                self._save()
        return True

    def drop(self, fid, now=None):
        key = self.key(fid)
        with self.lock:
            if key is None or self.entries.pop(key, None) is None:
                return False
            if now is not None:
                self._purge(now)
            self._save()
        return True

    def covers(self, fid):
        return bool(self.entries) and self.key(fid) in self.entries

    def weight(self, ticket):
        """1 for a failure of a tolerated account after its success, else factor."""
        factor = self.opts["factor"]
        users = self.entries.get(self.key(ticket.getID())) if self.entries else None
        if not users:
            return factor
        data = ticket.getData()
        user = data.get("user")
        entry = users.get(user) if user is not None else None
        if entry is None or data.get("cond_inv"):
            return factor
        # all of the ticket's failures (a backend may hand several off at once) in the window
        first = getattr(ticket, "_firstTime", None) or ticket.getTime()
        if not entry[0] <= first or not ticket.getTime() < entry[1]:
            return factor
        tried = data.get("users")
        if tried and any(u != user for u in tried):
            return factor
        return 1

    def listing(self, now):
        with self.lock:
            self._purge(now)
            return sorted([k, u, t[1], t[0]] for k, users in self.entries.items() for u, t in users.items())


class Action(ActionBase):

    def __init__(self, jail, name, **kwargs):
        super(Action, self).__init__(jail, name)
        self.opts = parse_options(kwargs)
        self.tolerance = None
        self._undo = None
        # hooked now, while the jail is configured: its filter may read a backlog before
        # the actions thread calls start()
        self.start()

    def start(self):
        if self._undo is not None:
            return
        db = self._jail.database
        self.tolerance = Tolerance(self.opts, Store.beside(db, self._jail.name),
                                   getattr(db, "purgeage", None) if db is not None else None)
        try:
            self.tolerance.load(MyTime.time())
        except (OSError, ValueError, TypeError, AttributeError) as e:
            self._logSys.error("[%s] f2btune-tolerance: cannot read %s (%s): starting with no tolerated "
                               "address", self._jail.name, self.tolerance.store.path, e)
        self._hook()

    def _hook(self):
        flt = self._jail.filter
        fm = flt.failManager
        factor = self.opts["factor"]
        tol = self.tolerance
        add, merge = fm.addFailure, flt._mergeFailure

        def addFailure(ticket, count=1, observed=False):
            return add(ticket, count * (factor if observed else tol.weight(ticket)), observed)

        def _mergeFailure(mlfid, fail, failRegex):
            fail = merge(mlfid, fail, failRegex)
            if fail.get("mlfgained"):
                self._success(fail)
            return fail

        fm.addFailure, flt._mergeFailure = addFailure, _mergeFailure
        flt.getMaxRetry = lambda: fm.getMaxRetry() // factor
        flt.setMaxRetry = lambda value: fm.setMaxRetry(int(value) * factor)
        flt.f2bt_split_accounts = tol.covers     # the f2btune backend: hand-offs per account
        fm.setMaxRetry(fm.getMaxRetry() * factor)

        def undo():
            maxretry = flt.getMaxRetry()
            fm.__dict__.pop("addFailure", None)
            for n in ("_mergeFailure", "getMaxRetry", "setMaxRetry", "f2bt_split_accounts"):
                flt.__dict__.pop(n, None)
            fm.setMaxRetry(maxretry)
        self._undo = undo

    def _success(self, fail):
        ip = fail.get("ip4") or fail.get("ip6")
        user = fail.get("user")
        if not ip or not user:
            return
        now, jail = MyTime.time(), self._jail
        when = min(getattr(jail.filter, "_Filter__lastDate", None) or now, now)   # the line's time
        if jail.actions.banManager._inBanList(FailTicket(IPAddr(ip))):
            if not self.opts["unban"]:
                return
            self._logSys.notice("[%s] f2btune-tolerance: success of %s from banned %s: unban (unban = true)",
                                jail.name, user, ip)
            jail.actions.removeBannedIP(IPAddr(ip), ifexists=True)
        if self.tolerance.grant(ip, user, when):
            self._logSys.info("[%s] f2btune-tolerance: %s tolerated for %s until %s", jail.name, ip, user,
                              MyTime.time2str(when + self.opts["time"]))

    def clearAllParams(self):
        """fail2ban's reload keeps an action that has this and ``reload`` (else it is replaced)."""

    def reload(self, **kwargs):
        """``fail2ban-client reload``: new parameters, same tolerated addresses."""
        opts = parse_options(kwargs)
        self.stop()
        self.opts = opts
        if self.tolerance is not None:
            self.tolerance.opts = opts
            self._hook()

    def stop(self):
        if self._undo is not None:
            self._undo()
            self._undo = None

    def ban(self, aInfo):
        if self.tolerance is not None and self.tolerance.drop(aInfo["ip"], MyTime.time()):
            self._logSys.info("[%s] f2btune-tolerance: ban of %s ends its tolerance", self._jail.name, aInfo["ip"])

    def unban(self, aInfo):
        pass

    @property
    def tolerated(self):
        """[[address or network, account, expires, granted], ...] (times: epoch seconds)."""
        return self.tolerance.listing(MyTime.time()) if self.tolerance is not None else []

    def revoke(self, ip):
        """End the tolerance of ``ip`` (an address, or any address of a tolerated network)."""
        return bool(self.tolerance is not None and self.tolerance.drop(ip, MyTime.time()))
