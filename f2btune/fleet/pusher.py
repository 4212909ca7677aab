"""Pushing fail2ban's bans to the LAPI from one background thread per settings file.

``ban()``/``unban()`` only write to the local store and wake the thread: the local ban never
waits for the network.  The thread sends queued bans in batches (one ``POST /v1/alerts`` with
up to ``batch`` alerts, one decision each), looks up pushes whose answer was lost before it
repeats them, deletes the decisions of unbanned bans, and backs off while the LAPI is down.
"""
import ipaddress
import logging
import socket
import threading
import time

from f2btune.fleet import lapi as lapi_mod
from f2btune.fleet.alerts import alert_for, matches
from f2btune.fleet.config import SCENARIO_PREFIX
from f2btune.fleet.store import QueueFull, Store

BACKOFF_MIN, BACKOFF_MAX = 1.0, 30.0     # s between attempts while the LAPI is unreachable
AUTH_RETRY = 60.0                        # s between attempts after the credentials were refused
HOUSEKEEPING = 60.0                      # s: expired rows are dropped this often

_registry = {}
_registry_lock = threading.Lock()


def get(config, logger=None):
    """The process-wide pusher of a settings file (one thread for every jail that uses it)."""
    with _registry_lock:
        p = _registry.get(config.path)
        if p is None or not p.alive():
            p = _registry[config.path] = Pusher(config, logger)
            p.start()
        p.users += 1
        return p


def release(pusher):
    with _registry_lock:
        pusher.users -= 1
        if pusher.users <= 0:
            _registry.pop(pusher.config.path, None)
            pusher.stop()


class Pusher(object):
    def __init__(self, config, logger=None, client=None):
        config.need_machine()
        self.config = config
        self.log = logger or logging.getLogger("fail2ban.f2btune-crowdsec")
        self.store = Store(config.state_dir, config.max_queue)
        self.client = client or lapi_mod.Lapi(config.url, config.machine_id, config.password)
        self.host = config.machine_id or socket.gethostname()
        self.users = 0
        self._cond = threading.Condition()
        self._work = True
        self._running = False
        self._thread = None
        self._failing = None      # the error being reported, logged once until it changes
        self._full = False

    # -- called from fail2ban's threads (local only) ---------------------------------------------

    def ban(self, jail, ip, start, bantime):
        try:
            ip = str(ipaddress.ip_address(ip))
        except ValueError:
            # fail2ban can ban ids that are not addresses (some filters); the LAPI cannot take them
            self.log.warning("f2btune-crowdsec: %s banned by %s is not an IP address: not pushed", ip, jail)
            return False
        end = None if bantime < 0 else start + bantime
        if end is not None and end <= time.time():
            return False
        try:
            added = self.store.add(jail, ip, start, end)
        except QueueFull:
            if not self._full:
                self._full = True
                self.log.error("f2btune-crowdsec: push queue full (%d bans waiting for the LAPI at %s); "
                               "ban of %s in %s stays local (raise [push] max_queue in %s)",
                               self.config.max_queue, self.config.url, ip, jail, self.config.path)
            return False
        self._full = False
        if added:
            self.wake()
        return added

    def unban(self, jail, ip, start, bantime, stopping=False):
        """fail2ban unbanned ``ip``.  At its natural end the LAPI's decision expires by itself;
        when fail2ban stops, the fleet keeps the decision (a restart restores the ban)."""
        if stopping:
            return
        try:
            ip = str(ipaddress.ip_address(ip))
        except ValueError:
            return
        end = None if bantime < 0 else start + bantime
        if end is not None and time.time() >= end - 1:
            self.store.forget(jail, ip, start)
            return
        if self.store.unban(jail, ip, start):
            self.wake()

    def wake(self):
        with self._cond:
            self._cond.notify()

    # -- the thread -------------------------------------------------------------------------------

    def alive(self):
        return self._thread is not None and self._thread.is_alive()

    def start(self):
        self._running = True
        self._thread = threading.Thread(target=self._run, name="f2btune-crowdsec-push", daemon=True)
        self._thread.start()

    def stop(self, timeout=5.0):
        with self._cond:
            self._running = False
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                return      # stuck in a request: it ends with the process, its rows stay queued
        self.client.close()
        self.store.close()

    def _run(self):
        delay, last_house = 0.0, 0.0
        while self._running:
            with self._cond:
                if delay:
                    # backing off: new bans wait in the queue instead of waking a retry each
                    end = time.time() + delay
                    while self._running and time.time() < end:
                        self._cond.wait(end - time.time())
                elif not self.store.has_work():
                    self._cond.wait(HOUSEKEEPING)
            if not self._running:
                break
            try:
                if time.time() - last_house >= HOUSEKEEPING:
                    self.store.expire()
                    last_house = time.time()
                self.step()
                delay = 0.0
                self._recovered()
            except lapi_mod.AuthError as e:
                delay = AUTH_RETRY
                self._failed(e)
            except lapi_mod.LapiError as e:
                delay = min(BACKOFF_MAX, max(BACKOFF_MIN, delay * 2))
                self._failed(e)
            except Exception as e:  # never let the thread die: report and retry
                delay = BACKOFF_MAX
                self._failed(e, unexpected=True)

    def step(self):
        """One round: resolve unanswered pushes, push a batch, delete unbanned decisions."""
        while self._resolve_inflight():
            pass
        while self._push_batch():
            pass
        while self._delete_unbanned():
            pass
        self.store.put_meta(last_ok=time.time(), last_error="")

    def _resolve_inflight(self):
        rows = self.store.take("inflight", self.config.batch)
        requeue, found, ids = [], [], []
        for row in rows:
            jail, ip, start = row[:3]
            hits = [a for a in self.client.find_alerts({"ip": ip, "scenario": SCENARIO_PREFIX + jail})
                    if matches(a, self.host, jail, ip, start)]
            if hits:
                found.append(row)
                ids.append(" ".join(str(a["id"]) for a in hits))
            else:
                requeue.append(row)
        if found:
            self.store.set_state(found, "acked", ids)
        if requeue:
            self.store.set_state(requeue, "queued")
        return bool(rows) and len(rows) == self.config.batch

    def _push_batch(self):
        rows = self.store.take("queued", self.config.batch, new_state="inflight")
        if not rows:
            return False
        now = time.time()
        live = [r for r in rows if r[3] is None or r[3] > now + 1]
        dead = [r for r in rows if r not in live]
        for r in dead:
            self.store.forget(*r[:3])
        if live:
            alerts = [alert_for(self.host, r[0], r[1], float(r[2]), r[3], self.config.permanent_s, now)
                      for r in live]
            try:
                ids = self.client.push_alerts(alerts)
            except lapi_mod.LapiError as e:
                if not e.sent:
                    self.store.set_state(live, "queued")
                raise
            if len(ids) != len(live):
                raise lapi_mod.LapiError("the LAPI answered %d ids for %d alerts" % (len(ids), len(live)),
                                         sent=True)
            self.store.set_state(live, "acked", ids)
            self.store.put_meta(last_push=now, pushed=int(self.store.meta().get("pushed", 0)) + len(live))
        return len(rows) == self.config.batch

    def _delete_unbanned(self):
        rows = self.store.take("unban", self.config.batch)
        for row in rows:
            for alert_id in row[4].split():
                alert = self.client.alert(alert_id)
                for decision in (alert or {}).get("decisions") or ():
                    self.client.delete_decision(decision["id"])
            self.store.forget(*row[:3])
        return len(rows) == self.config.batch

    def _failed(self, e, unexpected=False):
        text = str(e)
        self.store.put_meta(last_error=text, last_error_at=time.time())
        if text != self._failing:
            self._failing = text
            counts = self.store.counts()
            waiting = counts.get("queued", 0) + counts.get("inflight", 0)
            self.log.error("f2btune-crowdsec: %s%s; %d ban(s) queued for the fleet, retrying "
                           "(local bans are not affected)", "unexpected error: " if unexpected else "",
                           text, waiting)

    def _recovered(self):
        if self._failing is not None:
            self._failing = None
            self.log.warning("f2btune-crowdsec: the LAPI at %s is reachable again; queue sent",
                             self.config.url)
