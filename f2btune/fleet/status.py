"""``f2btune fleet status``: connection, push queue, last sync and decision counts of one host.

The connection is checked with a machine login only: a bouncer request would move the bouncer's
"last pull" mark at the LAPI and could make the running puller miss decisions.
"""
import json
import os
import time

from f2btune.fleet import lapi
from f2btune.fleet.puller import STATE_FILE
from f2btune.fleet.store import FILENAME, Store


def _ago(epoch, now):
    if not epoch:
        return "never"
    return "%s (%.0fs ago)" % (time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(epoch))), now - float(epoch))


def report(cfg):
    """(lines, number of problems) describing connection, push queue and pull state."""
    now = time.time()
    lines = []
    out = lines.append
    problems = 0
    out("LAPI:        %s" % cfg.url)
    client = lapi.Lapi(cfg.url, cfg.machine_id, cfg.password)
    try:
        if cfg.machine_id:
            client.login()
            out("connection:  ok (machine %s logged in)" % cfg.machine_id)
        else:
            status_code, _ = client.request("GET", "/v1/decisions")
            out("connection:  reachable (HTTP %d without credentials)" % status_code)
    except lapi.LapiError as e:
        problems += 1
        out("connection:  FAILED: %s" % e)
    finally:
        client.close()
    if os.path.exists(os.path.join(cfg.state_dir, FILENAME)):
        store = Store(cfg.state_dir, cfg.max_queue)
        counts, meta = store.counts(), store.meta()
        store.close()
        waiting = counts.get("queued", 0) + counts.get("inflight", 0)
        out("push queue:  %d waiting (max %d), %d acknowledged, %d unbans to send"
              % (waiting, cfg.max_queue, counts.get("acked", 0), counts.get("unban", 0)))
        out("last push:   %s" % _ago(meta.get("last_push"), now))
        if meta.get("last_error"):
            problems += 1
            out("push error:  %s" % meta["last_error"])
    else:
        out("push queue:  none (no jail uses f2btune-crowdsec.py on this host)")
    try:
        with open(os.path.join(cfg.state_dir, STATE_FILE)) as f:
            pull = json.load(f)
    except (OSError, ValueError):
        pull = None
    if pull is None:
        out("pull:        not running here (no %s)" % os.path.join(cfg.state_dir, STATE_FILE))
    else:
        c = pull.get("counts", {})
        out("last sync:   %s" % _ago(pull.get("last_sync"), now))
        out("decisions:   %d (%d addresses, %d ranges blocked; %d not taken)"
              % (c.get("decisions", 0), c.get("ips", 0), c.get("ranges", 0), c.get("skipped", 0)))
        for key in ("last_error",):
            if pull.get(key):
                problems += 1
                out("pull error:  %s" % pull[key])
        for fam, reason in sorted((pull.get("errors") or {}).items()):
            problems += 1
            out("%s:        NOT enforced: %s" % (fam, reason))
    return lines, problems
