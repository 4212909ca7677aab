"""The actions of ``f2btune fleet`` (kept apart so that ``f2btune --help`` stays fast)."""
import json
import logging
import os
import signal
import sys
import time

from f2btune.errors import DependencyError, ExitStatus


def template(args):
    from f2btune.fleet.config import TEMPLATE
    sys.stdout.write(TEMPLATE)
    return ExitStatus.OK


def _sets(config):
    from f2btune.fleet.sets import FleetSets
    return FleetSets(config.set_stem, config.chain, config.blocktype)


def pull(args):
    from f2btune.fleet import config as fleet_config, ignore
    from f2btune.fleet.puller import Puller
    from f2btune.kernel.iptables import FirewallError
    cfg = fleet_config.load(args.config)
    if args.remove:
        _sets(cfg).teardown()
        print("removed the sets and rules of %s" % cfg.set_stem)
        return ExitStatus.OK
    cfg.need_bouncer()
    logging.basicConfig(level=logging.INFO, format="f2btune fleet pull: %(levelname)s %(message)s")
    nets = ignore.from_confdir(args.confdir)
    puller = Puller(cfg, ignore.IgnoreList(nets), _sets(cfg))
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: puller.stop_event.set())
    logging.getLogger("f2btune.fleet.pull").info(
        "pulling %s every %gs (origins %s, scenarios containing %s); %d ignored networks",
        cfg.url, cfg.interval, ",".join(cfg.origins) or "any", ",".join(cfg.scenarios) or "any", len(nets))
    try:
        puller.run(max_syncs=1 if args.once else None)
    except FirewallError as e:
        raise DependencyError(str(e))
    if args.once and not puller.state["syncs"]:
        raise DependencyError("no sync with %s: %s" % (cfg.url, puller.state["last_error"]))
    return ExitStatus.OK


def _ago(epoch, now):
    if not epoch:
        return "never"
    return "%s (%.0fs ago)" % (time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(epoch))), now - float(epoch))


def status(args):
    from f2btune.fleet import config as fleet_config, lapi
    from f2btune.fleet.puller import STATE_FILE
    from f2btune.fleet.store import FILENAME, Store
    cfg = fleet_config.load(args.config)
    now = time.time()
    problems = 0
    print("LAPI:        %s" % cfg.url)
    client = lapi.Lapi(cfg.url, cfg.machine_id, cfg.password)
    try:
        if cfg.machine_id:
            client.login()
            print("connection:  ok (machine %s logged in)" % cfg.machine_id)
        else:
            status_code, _ = client.request("GET", "/v1/decisions")
            print("connection:  reachable (HTTP %d without credentials)" % status_code)
    except lapi.LapiError as e:
        problems += 1
        print("connection:  FAILED: %s" % e)
    finally:
        client.close()
    if os.path.exists(os.path.join(cfg.state_dir, FILENAME)):
        store = Store(cfg.state_dir, cfg.max_queue)
        counts, meta = store.counts(), store.meta()
        store.close()
        waiting = counts.get("queued", 0) + counts.get("inflight", 0)
        print("push queue:  %d waiting (max %d), %d acknowledged, %d unbans to send"
              % (waiting, cfg.max_queue, counts.get("acked", 0), counts.get("unban", 0)))
        print("last push:   %s" % _ago(meta.get("last_push"), now))
        if meta.get("last_error"):
            problems += 1
            print("push error:  %s" % meta["last_error"])
    else:
        print("push queue:  none (no jail uses f2btune-crowdsec.py on this host)")
    try:
        with open(os.path.join(cfg.state_dir, STATE_FILE)) as f:
            pull = json.load(f)
    except (OSError, ValueError):
        pull = None
    if pull is None:
        print("pull:        not running here (no %s)" % os.path.join(cfg.state_dir, STATE_FILE))
    else:
        c = pull.get("counts", {})
        print("last sync:   %s" % _ago(pull.get("last_sync"), now))
        print("decisions:   %d (%d addresses, %d ranges blocked; %d not taken)"
              % (c.get("decisions", 0), c.get("ips", 0), c.get("ranges", 0), c.get("skipped", 0)))
        for key in ("last_error",):
            if pull.get(key):
                problems += 1
                print("pull error:  %s" % pull[key])
        for fam, reason in sorted((pull.get("errors") or {}).items()):
            problems += 1
            print("%s:        NOT enforced: %s" % (fam, reason))
    return ExitStatus.PROBLEMS if problems else ExitStatus.OK
