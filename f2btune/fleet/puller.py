"""``f2btune fleet pull``: a bouncer that keeps local ipsets equal to the LAPI's decisions.

It polls ``GET /v1/decisions/stream`` every ``interval`` seconds with its bouncer key: the
first answer (``startup=true``) is the full list, the next ones only what changed.  It takes
only ban decisions of the configured origins and scenarios (default: what f2btune hosts push),
never an address of the local jails' ``ignoreip``, and writes entries with kernel timeouts
over netlink: no process per decision.  Once a minute it checks that its sets and rules still
exist (a firewall reload removes them) and rebuilds them; entries whose decision outlives
ipset's timeout cap are re-armed before the kernel drops them.  While the LAPI is unreachable
the sets keep what they have (and the kernel still expires it on time).
"""
import json
import logging
import os
import threading
import time

from f2btune.fleet import lapi as lapi_mod
from f2btune.fleet.decisions import Decisions
from f2btune.kernel.ipset import IpsetError
from f2btune.kernel.iptables import FirewallError

STATE_FILE = "pull.json"
CHECK_EVERY = 60.0          # s between checks of sets/rules and re-arms
STATE_EVERY = 30.0          # s: the state file is rewritten at least this often
BACKOFF_MAX = 30.0

log = logging.getLogger("f2btune.fleet.pull")


class Puller(object):
    def __init__(self, config, ignore, sets, client=None):
        config.need_bouncer()
        self.config = config
        self.sets = sets
        self.client = client or lapi_mod.Lapi(config.url, bouncer_key=config.bouncer_key)
        self.table = Decisions(config.origins, config.scenarios, ignore)
        self.query = {"dedup": "false"}
        if config.origins:
            self.query["origins"] = ",".join(config.origins)
        if config.scenarios:
            self.query["scenarios_containing"] = ",".join(config.scenarios)
        self.state_path = os.path.join(config.state_dir, STATE_FILE)
        self.stop_event = threading.Event()
        self.startup = True
        self.state = {"pid": os.getpid(), "url": config.url, "connected": False, "last_sync": None,
                      "last_error": "", "syncs": 0}
        self._state_written = 0.0
        self._failing = None

    def setup(self):
        errors = self.sets.setup()
        for family, reason in sorted(errors.items()):
            log.error("IPv%d decisions are not enforced: %s", family, reason)
        if len(errors) == 2:
            raise FirewallError("no address family could be set up (%s)" % "; ".join(errors.values()))

    def run(self, once=False):
        """Poll until ``stop_event`` is set (``once``: a single attempt, then return)."""
        self.setup()
        delay, last_check = 0.0, time.time()
        while not self.stop_event.is_set():
            try:
                self.poll()
                delay = self.config.interval
                if self._failing:
                    log.warning("LAPI %s reachable again", self.config.url)
                    self._failing = None
            except lapi_mod.AuthError as e:
                delay = 60.0
                self._failed(e)
            except lapi_mod.LapiError as e:
                delay = min(BACKOFF_MAX, max(self.config.interval, delay * 2))
                self._failed(e)
            except (IpsetError, FirewallError) as e:
                # the kernel refused a change: rebuild from a full list on the next poll
                delay = min(BACKOFF_MAX, max(self.config.interval, delay * 2))
                self.startup = True
                self._failed(e)
            if once:
                break
            if time.time() - last_check >= CHECK_EVERY:
                last_check = time.time()
                self.check()
            self.stop_event.wait(delay)
        self.write_state(force=True)

    def poll(self):
        answer = self.client.stream(self.startup, self.query)
        now = time.time()
        if self.startup:
            self.table.reset()
            self.table.apply(answer["new"], (), now)
            added, removed = self.sets.sync(self.wanted(), self.table.holes, now)
            log.info("full sync: %d entries armed, %d stale removed", added, removed)
            self.startup = False
        else:
            added, removed = self.table.apply(answer["new"], answer["deleted"], now)
            for entry in removed:
                self.sets.remove(entry)
            for entry, until in added.items():
                self.sets.add(entry, until, self.table.holes.get(entry, ()), now)
        self.state.update(connected=True, last_sync=now, last_error="", syncs=self.state["syncs"] + 1)
        self.write_state(force=bool(answer["new"] or answer["deleted"]))

    def wanted(self):
        return self.table.wanted_entries()

    def check(self):
        """Rebuild vanished sets/rules (and re-sync), re-arm entries the kernel would drop early."""
        try:
            self.table.expire()
            if not self.sets.verify() or self.sets.errors:
                self.setup()
                self.sets.sync(self.wanted(), self.table.holes)
                log.warning("sets or rules had vanished: re-created and re-filled")
            wanted = self.wanted()
            for entry in self.sets.due(wanted):
                self.sets.add(entry, wanted[entry], self.table.holes.get(entry, ()))
        except (IpsetError, FirewallError) as e:
            self._failed(e)

    def _failed(self, e):
        text = str(e)
        self.state.update(connected=not isinstance(e, lapi_mod.LapiError) and self.state["connected"],
                          last_error=text)
        self.write_state(force=text != self._failing)
        if text != self._failing:
            self._failing = text
            log.error("%s (retrying; blocked addresses stay blocked until their kernel timeout)", text)

    def write_state(self, force=False):
        now = time.time()
        if not force and now - self._state_written < STATE_EVERY:
            return
        self._state_written = now
        state = dict(self.state, counts=self.table.counts(), written=now,
                     errors=dict(("IPv%d" % f, r) for f, r in self.sets.errors.items()))
        os.makedirs(os.path.dirname(self.state_path), mode=0o700, exist_ok=True)
        tmp = self.state_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(state, f)
        os.replace(tmp, self.state_path)
