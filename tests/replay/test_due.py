"""DueRule against fail2ban's own FailManager: the same failures make the same addresses due."""
import random

from fail2ban.server.failmanager import FailManager
from fail2ban.server.ticket import FailTicket

from f2btune.replay.due import DueRule, seconds


def fail2ban_due(events, maxretry, findtime):
    """{address: time it became due} by the real FailManager (cleanup before each failure, as
    its background service would run it)."""
    fm = FailManager()
    fm.setMaxRetry(maxretry)
    fm.setMaxTime(findtime)
    due = {}
    for addr, t in events:
        if addr in due:
            continue
        fm.cleanup(t)
        if fm.addFailure(FailTicket(addr, t)) >= maxretry:
            due[addr] = t
    return due


def rule_due(events, maxretry, findtime):
    rule, due = DueRule(maxretry, findtime), {}
    for addr, t in events:
        if addr not in due and rule.add(addr, t):
            due[addr] = t
    return due


def test_same_as_failmanager_on_random_floods():
    rng = random.Random(7)
    for rate in (0.5, 2.0, 5.0, 40.0, 400.0):
        t, events = 1000.0, []
        for _ in range(3000):
            t += float(int(rng.expovariate(rate) * 1000)) / 1000      # ms resolution
            events.append(("10.0.0.%d" % rng.randint(1, 40), t))
        for maxretry, findtime in ((10, 30.0), (5, 600.0), (3, 5.0)):
            assert rule_due(events, maxretry, findtime) == fail2ban_due(events, maxretry, findtime)


def test_slow_sources_are_not_due():
    rule = DueRule(10, 30)
    assert not any(rule.add("a", 4.0 * i) for i in range(200))        # 7.5 per findtime
    rule = DueRule(10, 30, whole_seconds=True)
    assert [i for i in range(50) if rule.add("b", 100.9 + 2 * i)][0] == 9


def test_seconds_uses_fail2ban_parser():
    assert seconds("10m") == 600 and seconds(30) == 30 and seconds("1h 30m") == 5400
