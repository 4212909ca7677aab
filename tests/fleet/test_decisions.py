from f2btune.fleet.decisions import Decisions
from f2btune.fleet.ignore import IgnoreList, parse_entries


def d(id, value, scope="Ip", duration="600s", origin="f2btune", scenario="f2btune/sshd", type="ban"):
    return {"id": id, "value": value, "scope": scope, "duration": duration, "origin": origin,
            "scenario": scenario, "type": type}


def table(ignore="127.0.0.1/8 ::1 192.0.2.77 198.51.100.0/28"):
    return Decisions(["f2btune"], ["f2btune/"], IgnoreList(parse_entries(ignore, resolve=False)))


def test_only_configured_origins_scenarios_and_bans_are_taken():
    t = table()
    added, removed = t.apply([d(1, "192.0.2.1"), d(2, "192.0.2.2", origin="CAPI", scenario="crowdsecurity/ssh-bf"),
                              d(3, "192.0.2.3", scenario="crowdsecurity/ssh-bf"), d(4, "192.0.2.4", type="captcha"),
                              d(5, "alice", scope="Username"), d(6, "192.0.2.6", duration="nonsense")], (), now=0)
    assert added == {"192.0.2.1": 600}
    assert t.counts() == {"decisions": 1, "ips": 1, "ranges": 0, "skipped": 5}


def test_ignored_addresses_are_skipped_and_ranges_get_nomatch_holes():
    t = table()
    added, _ = t.apply([d(1, "192.0.2.77"), d(2, "192.0.2.0/24", scope="Range"),
                        d(3, "198.51.100.0/29", scope="Range"), d(4, "::ffff:192.0.2.77"),
                        d(5, "127.0.0.0/16", scope="Range")], (), now=0)
    assert added == {"192.0.2.0/24": 600}
    assert t.holes == {"192.0.2.0/24": ["192.0.2.77"]}
    assert t.skipped == 4


def test_a_value_stays_until_its_last_decision_is_deleted():
    t = table()
    t.apply([d(1, "192.0.2.1", duration="60s"), d(2, "192.0.2.1", duration="600s")], (), now=0)
    added, removed = t.apply([d(3, "192.0.2.1", duration="30s")], [d(2, "192.0.2.1")], now=10)
    assert added == {"192.0.2.1": 60} and removed == []      # re-armed to the longest left
    added, removed = t.apply((), [d(1, "192.0.2.1"), d(3, "192.0.2.1")], now=20)
    assert removed == ["192.0.2.1"]
    assert t.counts()["decisions"] == 0


def test_expired_decisions_are_forgotten():
    t = table()
    t.apply([d(1, "192.0.2.1", duration="5s"), d(2, "2001:db8::1")], (), now=0)
    t.expire(now=10)
    assert list(t.by_entry) == ["2001:db8::1"]
