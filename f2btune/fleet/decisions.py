"""The puller's view of the LAPI's decisions: which addresses and ranges to block, and until when.

Every decision is tracked by its id (the stream is read with ``dedup=false``), so a value that
several decisions ban stays blocked until the last of them is deleted or expires.  Only
decisions of type ``ban`` and scope Ip/Range whose origin and scenario are wanted are taken.
"""
import time

from f2btune.fleet.godur import parse


class Decisions(object):
    def __init__(self, origins, scenarios, ignore):
        self.origins = set(o.lower() for o in origins)
        self.scenarios = list(scenarios)
        self.ignore = ignore
        self.by_id = {}       # id -> (network, until)
        self.by_net = {}      # network -> {id: until}
        self.holes = {}       # network -> [nomatch networks]
        self.skipped = 0      # decisions not taken (filtered or ignored)

    def wanted(self, d):
        if str(d.get("type", "")).lower() != "ban" or str(d.get("scope", "")).lower() not in ("ip", "range"):
            return False
        if self.origins and str(d.get("origin", "")).lower() not in self.origins:
            return False
        scen = str(d.get("scenario", ""))
        return not self.scenarios or any(s in scen for s in self.scenarios)

    def reset(self):
        self.by_id.clear()
        self.by_net.clear()
        self.holes.clear()
        self.skipped = 0

    def apply(self, new, deleted, now=None):
        """Take a stream answer; returns (added {network: until}, removed [network])."""
        now = time.time() if now is None else now
        added, removed = {}, []
        for d in deleted or ():
            entry = self.by_id.pop(d.get("id"), None)
            if entry is None:
                continue
            net = entry[0]
            ids = self.by_net.get(net, {})
            ids.pop(d.get("id"), None)
            if ids and max(ids.values()) < entry[1]:
                added[net] = max(ids.values())      # the longest remaining decision: re-arm shorter
            if not ids:
                self.by_net.pop(net, None)
                self.holes.pop(net, None)
                added.pop(net, None)
                removed.append(net)
        for d in new or ():
            if not self.wanted(d):
                self.skipped += 1
                continue
            try:
                until = now + parse(d.get("duration", ""))
            except ValueError:
                self.skipped += 1
                continue
            net, holes = self.ignore.plan(str(d.get("value", "")))
            if net is None or until <= now:
                self.skipped += 1
                continue
            self.by_id[d.get("id")] = (net, until)
            ids = self.by_net.setdefault(net, {})
            before = max(ids.values()) if ids else 0
            ids[d.get("id")] = until
            if holes:
                self.holes[net] = holes
            if until > before:
                added[net] = until
            if net in removed:
                removed.remove(net)
        return added, removed

    def expire(self, now=None):
        """Forget decisions past their end (the kernel's timeouts removed them already)."""
        now = time.time() if now is None else now
        for did, (net, until) in list(self.by_id.items()):
            if until <= now:
                del self.by_id[did]
                ids = self.by_net.get(net, {})
                ids.pop(did, None)
                if not ids:
                    self.by_net.pop(net, None)
                    self.holes.pop(net, None)

    def counts(self):
        ips = sum(1 for n in self.by_net if n.prefixlen == n.max_prefixlen)
        return {"decisions": len(self.by_id), "ips": ips, "ranges": len(self.by_net) - ips,
                "skipped": self.skipped}
