"""The pusher's persisted state: a bounded queue of bans to send and the record of what the
LAPI acknowledged, in one SQLite file (``<state_dir>/push.sqlite3``).

A ban is keyed by (jail, address, ban start).  Its row moves through the states

  queued   -> to be pushed;
  inflight -> pushed, no answer yet: the LAPI may or may not have stored it, so it is looked up
              there before it is pushed again;
  acked    -> stored at the LAPI (``alert_ids``);
  unban    -> unbanned in fail2ban: the decisions of ``alert_ids`` are to be deleted;

and is removed when its ban is over or its decisions are deleted.  A ban restored by fail2ban
after a restart has the same key, so it is never pushed twice.
"""
import os
import sqlite3
import threading
import time

SCHEMA = """
CREATE TABLE IF NOT EXISTS bans (
    jail TEXT NOT NULL, ip TEXT NOT NULL, start TEXT NOT NULL,
    end REAL,                 -- epoch the ban ends; NULL = permanent
    state TEXT NOT NULL,      -- queued | inflight | acked | unban
    unban INTEGER NOT NULL DEFAULT 0,   -- unbanned while inflight
    alert_ids TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (jail, ip, start));
CREATE INDEX IF NOT EXISTS bans_state ON bans (state);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
"""
FILENAME = "push.sqlite3"
RECOUNT = 256       # the queue length is re-counted after this many additions, and near the bound


def start_key(start):
    """The ban start as stored: whole seconds, rounded as fail2ban's database stores it, so a
    ban restored after a restart has the same key as when it was made."""
    return "%d" % int(round(float(start)))


class QueueFull(Exception):
    pass


class Store(object):
    def __init__(self, state_dir, max_queue=100000):
        os.makedirs(state_dir, mode=0o700, exist_ok=True)
        self.path = os.path.join(state_dir, FILENAME)
        self.max_queue = max_queue
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        os.chmod(self.path, 0o600)
        self._pending = None        # queue length, counted lazily

    def close(self):
        with self._lock:
            self._db.close()

    def _one(self, sql, args=()):
        row = self._db.execute(sql, args).fetchone()
        return row[0] if row else None

    def add(self, jail, ip, start, end):
        """Queue a ban unless its key is known.  A known ban that now ends later (fail2ban
        prolonged it) is queued again.  True when queued; QueueFull when the queue is full."""
        key = (jail, ip, start_key(start))
        with self._lock:
            row = self._db.execute("SELECT state, end FROM bans WHERE jail=? AND ip=? AND start=?",
                                   key).fetchone()
            if row is not None:
                longer = row[1] is not None and (end is None or end > row[1] + 1)
                if not (longer and row[0] == "acked"):
                    if longer:
                        self._db.execute("UPDATE bans SET end=? WHERE jail=? AND ip=? AND start=?",
                                         (end,) + key)
                    return False
                self._db.execute("UPDATE bans SET end=?, state='queued' WHERE jail=? AND ip=? AND start=?",
                                 (end,) + key)
                return True
            if self._pending is None or self._pending % RECOUNT == 0 or self._pending >= self.max_queue - RECOUNT:
                self._pending = self._one("SELECT count(*) FROM bans WHERE state IN ('queued','inflight')")
            if self._pending >= self.max_queue:
                raise QueueFull()
            self._pending += 1
            self._db.execute("INSERT INTO bans (jail, ip, start, end, state) VALUES (?,?,?,?, 'queued')",
                             key + (end,))
            return True

    def unban(self, jail, ip, start):
        """Mark a ban unbanned.  True when decisions at the LAPI must be deleted."""
        key = (jail, ip, start_key(start))
        with self._lock:
            row = self._db.execute("SELECT state, alert_ids FROM bans WHERE jail=? AND ip=? AND start=?",
                                   key).fetchone()
            if row is None:
                return False
            if row[0] == "inflight":
                self._db.execute("UPDATE bans SET unban=1 WHERE jail=? AND ip=? AND start=?", key)
                return True
            if row[1]:
                self._db.execute("UPDATE bans SET state='unban' WHERE jail=? AND ip=? AND start=?", key)
                return True
            self._db.execute("DELETE FROM bans WHERE jail=? AND ip=? AND start=?", key)
            return False

    def forget(self, jail, ip, start):
        with self._lock:
            self._db.execute("DELETE FROM bans WHERE jail=? AND ip=? AND start=?", (jail, ip, start_key(start)))

    def take(self, state, limit, new_state=None):
        """Up to ``limit`` rows [(jail, ip, start, end, alert_ids, unban)] in ``state``, oldest first,
        moved to ``new_state`` in the same transaction."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                rows = self._db.execute("SELECT jail, ip, start, end, alert_ids, unban FROM bans WHERE state=? "
                                        "ORDER BY rowid LIMIT ?", (state, limit)).fetchall()
                if new_state:
                    self._db.executemany("UPDATE bans SET state=? WHERE jail=? AND ip=? AND start=?",
                                         [(new_state,) + tuple(r[:3]) for r in rows])
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            return rows

    def set_state(self, rows, state, alert_ids=None):
        """Move rows (tuples starting with jail, ip, start) to ``state``; with ``alert_ids`` (one per
        row) the ids are appended to the row's.  An acked row unbanned meanwhile goes to 'unban'."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            for k, r in enumerate(rows):
                key = tuple(r[:3])
                if alert_ids is not None:
                    self._db.execute("UPDATE bans SET alert_ids = trim(alert_ids || ' ' || ?), "
                                     "state = CASE WHEN unban THEN 'unban' ELSE ? END "
                                     "WHERE jail=? AND ip=? AND start=?", (alert_ids[k], state) + key)
                else:
                    self._db.execute("UPDATE bans SET state=? WHERE jail=? AND ip=? AND start=?", (state,) + key)
            self._db.execute("COMMIT")

    def expire(self, now=None):
        """Drop rows whose ban is over (their decisions expire at the LAPI by themselves)."""
        now = time.time() if now is None else now
        with self._lock:
            return self._db.execute("DELETE FROM bans WHERE end IS NOT NULL AND end < ? AND state != 'inflight'",
                                    (now,)).rowcount

    def has_work(self):
        """True when a row waits to be pushed, resolved or deleted at the LAPI (an index lookup)."""
        with self._lock:
            return self._one("SELECT 1 FROM bans WHERE state IN ('queued','inflight','unban') LIMIT 1") is not None

    def counts(self):
        with self._lock:
            return dict(self._db.execute("SELECT state, count(*) FROM bans GROUP BY state").fetchall())

    def put_meta(self, **values):
        with self._lock:
            self._db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                                 [(k, str(v)) for k, v in values.items()])

    def meta(self):
        with self._lock:
            return dict(self._db.execute("SELECT key, value FROM meta").fetchall())
