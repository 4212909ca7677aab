"""The puller's view of the LAPI's decisions: which addresses and ranges to block, and until when.

Every decision is tracked by its id (the stream is read with ``dedup=false``), so a value that
several decisions ban stays blocked until the last of them is deleted or expires.  Only
decisions of type ``ban`` and scope Ip/Range whose origin and scenario are wanted are taken.
Values are kept as canonical ipset entry texts (see :meth:`IgnoreList.plan`): 100 000
decisions then cost tens of MB, not hundreds.
"""
import time

from f2btune.fleet.godur import parse


class Decisions(object):
    def __init__(self, origins, scenarios, ignore):
        self.origins = set(o.lower() for o in origins)
        self.scenarios = list(scenarios)
        self.ignore = ignore
        self.by_id = {}       # id -> (entry, until)
        self.by_entry = {}    # entry -> [ids]
        self.holes = {}       # range entry -> [nomatch entries]
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
        self.by_entry.clear()
        self.holes.clear()
        self.skipped = 0

    def until(self, entry):
        """When the longest decision for ``entry`` ends (0 when there is none)."""
        return max([self.by_id[i][1] for i in self.by_entry.get(entry, ())] or [0])

    def _drop(self, did):
        """Forget decision ``did``; returns (its entry or None, entry now unwanted)."""
        item = self.by_id.pop(did, None)
        if item is None:
            return None, False
        entry = item[0]
        ids = self.by_entry.get(entry, [])
        if did in ids:
            ids.remove(did)
        if ids:
            return entry, False
        self.by_entry.pop(entry, None)
        self.holes.pop(entry, None)
        return entry, True

    def apply(self, new, deleted, now=None):
        """Take a stream answer; returns (added {entry: until}, removed [entry])."""
        now = time.time() if now is None else now
        added, removed = {}, []
        for d in deleted or ():
            before = self.by_id.get(d.get("id"), (None, 0))[1]
            entry, gone = self._drop(d.get("id"))
            if gone:
                added.pop(entry, None)
                removed.append(entry)
            elif entry is not None and self.until(entry) < before:
                added[entry] = self.until(entry)     # the longest remaining decision: re-arm shorter
        for d in new or ():
            if not self.wanted(d):
                self.skipped += 1
                continue
            try:
                until = now + parse(d.get("duration", ""))
            except ValueError:
                self.skipped += 1
                continue
            entry, holes = self.ignore.plan(d.get("value", ""))
            if entry is None or until <= now:
                self.skipped += 1
                continue
            before = self.until(entry)
            did = d.get("id")
            self._drop(did)
            self.by_id[did] = (entry, until)
            self.by_entry.setdefault(entry, []).append(did)
            if holes:
                self.holes[entry] = holes
            if until > before:
                added[entry] = until
            if entry in removed:
                removed.remove(entry)
        return added, removed

    def wanted_entries(self):
        """{entry: until} of everything to block."""
        by_id = self.by_id
        return dict((e, max(by_id[i][1] for i in ids)) for e, ids in self.by_entry.items())

    def expire(self, now=None):
        """Forget decisions past their end (the kernel's timeouts removed them already)."""
        now = time.time() if now is None else now
        for did in [i for i, (_, until) in self.by_id.items() if until <= now]:
            self._drop(did)

    def counts(self):
        ranges = sum(1 for e in self.by_entry if "/" in e)
        return {"decisions": len(self.by_id), "ips": len(self.by_entry) - ranges, "ranges": ranges,
                "skipped": self.skipped}
