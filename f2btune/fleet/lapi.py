"""A small client of CrowdSec's Local API (v1), standard library only.

Machines (``cscli machines add``) log in at ``POST /v1/watchers/login`` for a JWT that
expires (one hour by default); the client logs in again before it expires and once on a 401.
Bouncers send their key in ``X-Api-Key``.  One keep-alive connection is reused.
"""
import http.client
import json
import socket
import ssl
import time
import urllib.parse

from f2btune import __version__

USER_AGENT = "f2btune/%s" % __version__
TIMEOUT = 10.0          # s per request: the push thread waits, fail2ban never does
# s for a bouncer's full list: a LAPI with 100 000 decisions took 13-20 s to answer on a loaded
# 2-core machine, so the first pull of a large fleet must not time out after TIMEOUT
STARTUP_TIMEOUT = 300.0
REFRESH_MARGIN = 60.0   # s: log in again this long before the token expires


class LapiError(Exception):
    """The LAPI could not be reached or refused a request; ``sent`` tells whether the request
    may have reached it (a push that may have been stored must be checked, not repeated)."""

    def __init__(self, message, status=None, sent=False):
        Exception.__init__(self, message)
        self.status = status
        self.sent = sent


class AuthError(LapiError):
    """Wrong machine credentials or bouncer key: retrying will not help until they are fixed."""


def _expiry(text, now):
    """Epoch of the token's "expire" (RFC 3339); ``now`` + 10 min when unreadable."""
    try:
        from datetime import datetime
        t = text.strip().replace("Z", "+00:00")
        if "." in t:   # Go may give nanoseconds: keep microseconds for fromisoformat
            head, rest = t.split(".", 1)
            digits = "".join(c for c in rest if c.isdigit())
            t = head + "." + (digits + "000000")[:6] + rest[len(digits):]
        return datetime.fromisoformat(t).timestamp()
    except (ValueError, AttributeError):
        return now + 600


class Lapi(object):
    """Requests to one LAPI; not thread-safe (one per thread)."""

    def __init__(self, url, machine_id=None, password=None, bouncer_key=None, timeout=TIMEOUT):
        u = urllib.parse.urlsplit(url)
        if u.scheme not in ("http", "https") or not u.hostname:
            raise ValueError("LAPI url must be http(s)://host[:port]/, not %r" % url)
        self.url = url
        self._scheme, self._host, self._port = u.scheme, u.hostname, u.port
        self._base = u.path.rstrip("/")
        self.machine_id, self.password, self.bouncer_key = machine_id, password, bouncer_key
        self.timeout = timeout
        self._conn = None
        self._token, self._token_end = None, 0.0

    def close(self):
        conn, self._conn = self._conn, None   # forgotten even if closing it fails
        if conn is not None:
            conn.close()

    def _connection(self):
        if self._conn is None:
            if self._scheme == "https":
                self._conn = http.client.HTTPSConnection(self._host, self._port, timeout=self.timeout,
                                                         context=ssl.create_default_context())
            else:
                self._conn = http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)
        return self._conn

    def request(self, method, path, body=None, headers=None, query=None, timeout=None):
        """(status, decoded JSON or None).  LapiError when the LAPI cannot be reached."""
        target = self._base + path + ("?" + urllib.parse.urlencode(query) if query else "")
        data = json.dumps(body).encode() if body is not None else None
        hdrs = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if data is not None:
            hdrs["Content-Type"] = "application/json"
        hdrs.update(headers or {})
        for attempt in (0, 1):
            conn = self._connection()
            conn.timeout = timeout or self.timeout
            if conn.sock is not None:
                conn.sock.settimeout(conn.timeout)
            sent = False
            try:
                conn.request(method, target, body=data, headers=hdrs)
                sent = True
                resp = conn.getresponse()
                raw = resp.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as e:
                # a kept-alive connection the server closed: one fresh attempt if nothing was sent
                self.close()
                if attempt or (sent and method == "POST"):
                    raise LapiError("LAPI %s: %s" % (self.url, e or type(e).__name__), sent=sent)
            except (OSError, http.client.HTTPException) as e:
                self.close()
                reason = "timed out" if isinstance(e, socket.timeout) else (
                    getattr(e, "strerror", None) or str(e) or type(e).__name__)
                raise LapiError("LAPI %s unreachable: %s" % (self.url, reason), sent=sent)
        try:
            payload = json.loads(raw) if raw.strip() else None
        except ValueError:
            payload = {"message": raw[:200].decode("utf-8", "replace")}
        return resp.status, payload

    @staticmethod
    def _message(status, payload):
        msg = payload.get("message") if isinstance(payload, dict) else None
        return "HTTP %d%s" % (status, ": " + str(msg) if msg else "")

    # -- machine side (JWT) ----------------------------------------------------------------------

    def login(self):
        now = time.time()
        status, payload = self.request("POST", "/v1/watchers/login",
                                       {"machine_id": self.machine_id, "password": self.password,
                                        "scenarios": []})
        if status in (401, 403):
            raise AuthError("the LAPI at %s refused machine %r (%s); check machine_id/password "
                            "(cscli machines list; cscli machines add %s --password ...)"
                            % (self.url, self.machine_id, self._message(status, payload), self.machine_id),
                            status)
        if status != 200 or not isinstance(payload, dict) or not payload.get("token"):
            raise LapiError("LAPI login: %s" % self._message(status, payload), status)
        self._token = payload["token"]
        self._token_end = _expiry(str(payload.get("expire", "")), now)
        return self._token

    def machine(self, method, path, body=None, query=None):
        """A JWT-authenticated request; logs in when needed and once again on a 401."""
        for attempt in (0, 1):
            if self._token is None or time.time() > self._token_end - REFRESH_MARGIN:
                self.login()
            status, payload = self.request(method, path, body, {"Authorization": "Bearer " + self._token},
                                           query)
            if status != 401 or attempt:
                return status, payload
            self._token = None
        return status, payload

    def push_alerts(self, alerts):
        """POST /v1/alerts; returns the new alert ids (strings), in order."""
        status, payload = self.machine("POST", "/v1/alerts", alerts)
        if status != 201 or not isinstance(payload, list):
            raise LapiError("push of %d alert(s): %s" % (len(alerts), self._message(status, payload)),
                            status, sent=True)
        return [str(x) for x in payload]

    def find_alerts(self, query):
        status, payload = self.machine("GET", "/v1/alerts", query=query)
        if status != 200:
            raise LapiError("alert search: %s" % self._message(status, payload), status)
        return payload or []

    def alert(self, alert_id):
        """GET /v1/alerts/{id}; None when it does not exist (any more)."""
        status, payload = self.machine("GET", "/v1/alerts/%d" % int(alert_id))
        if status == 404 or (status in (400, 500) and "not found" in self._message(status, payload).lower()):
            return None
        if status != 200:
            raise LapiError("alert %s: %s" % (alert_id, self._message(status, payload)), status)
        return payload

    def delete_decision(self, decision_id):
        status, payload = self.machine("DELETE", "/v1/decisions/%d" % int(decision_id))
        if status not in (200, 404):
            raise LapiError("delete decision %s: %s" % (decision_id, self._message(status, payload)), status)

    # -- bouncer side (API key) ------------------------------------------------------------------

    def stream(self, startup, query=None):
        """GET /v1/decisions/stream: {"new": [...], "deleted": [...]}."""
        q = dict(query or {})
        if startup:
            q["startup"] = "true"
        status, payload = self.request("GET", "/v1/decisions/stream", headers={"X-Api-Key": self.bouncer_key},
                                       query=q, timeout=STARTUP_TIMEOUT if startup else None)
        if status in (401, 403):
            raise AuthError("the LAPI at %s refused the bouncer key (%s); check bouncer_key "
                            "(cscli bouncers list; cscli bouncers add NAME)"
                            % (self.url, self._message(status, payload)), status)
        if status != 200 or not isinstance(payload, dict):
            raise LapiError("decision stream: %s" % self._message(status, payload), status)
        return {"new": payload.get("new") or [], "deleted": payload.get("deleted") or []}
