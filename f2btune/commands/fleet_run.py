"""The actions of ``f2btune fleet`` (kept apart so that ``f2btune --help`` stays fast)."""
import logging
import signal
import sys

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
        puller.run(once=args.once)
    except FirewallError as e:
        raise DependencyError(str(e))
    if args.once and not puller.state["syncs"]:
        raise DependencyError("no sync with %s: %s" % (cfg.url, puller.state["last_error"]))
    return ExitStatus.OK


def status(args):
    from f2btune.fleet import config as fleet_config
    from f2btune.fleet.status import report
    lines, problems = report(fleet_config.load(args.config))
    for line in lines:
        print(line)
    return ExitStatus.PROBLEMS if problems else ExitStatus.OK
