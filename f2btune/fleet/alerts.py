"""The alert (with its one decision) that stands for one fail2ban ban at the LAPI."""
import time

from f2btune.fleet.config import ORIGIN, SCENARIO_PREFIX
from f2btune.fleet.godur import format_seconds
from f2btune.fleet.store import start_key


def rfc3339(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def message(host, jail, ip, start):
    """The alert's message; it also identifies the ban when a push's answer was lost."""
    return "f2btune %s %s ban %s start %s" % (host, jail, ip, start_key(start))


def alert_for(host, jail, ip, start, end, permanent_s, now):
    """An alert for a ban of ``ip`` by ``jail`` from ``start`` to ``end`` (None: permanent).

    The LAPI sets a decision's end to the alert's ``stop_at`` plus its duration, so stop_at is
    the ban's start and the duration fail2ban's ban time: the fleet's decision ends when the
    local ban does, however late it is pushed.
    """
    scope = "Ip"
    duration = format_seconds(permanent_s if end is None else end - start)
    stamp = rfc3339(start)
    scenario = SCENARIO_PREFIX + jail
    return {
        "scenario": scenario, "scenario_hash": "", "scenario_version": "",
        "message": message(host, jail, ip, start),
        "events_count": 1, "events": [], "capacity": 0, "leakspeed": "0",
        "start_at": stamp, "stop_at": stamp, "simulated": False, "remediation": True,
        "source": {"scope": scope, "value": ip, "ip": ip},
        "decisions": [{"origin": ORIGIN, "type": "ban", "scope": scope, "value": ip,
                       "duration": duration, "scenario": scenario}],
    }


def matches(alert, host, jail, ip, start):
    """True when ``alert`` (from GET /v1/alerts) is the push of this ban."""
    return isinstance(alert, dict) and alert.get("message") == message(host, jail, ip, start)
