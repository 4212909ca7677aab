"""The push thread against the real LAPI: batching, lost answers, restarts, a full queue."""
import logging
import time

from f2btune.fleet import config as fleet_config, lapi as client, pusher as pusher_mod
from f2btune.fleet.alerts import alert_for, matches
from tests.fleet.conftest import BOUNCER_KEY, write_conf


def wait(cond, timeout, what):
    end = time.time() + timeout
    while not cond():
        if time.time() > end:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.02)


class Records(logging.Handler):
    def __init__(self):
        logging.Handler.__init__(self)
        self.records = []

    def emit(self, record):
        self.records.append(record)


def alerts_for(lapi_url, conf, ip):
    c = client.Lapi(lapi_url, conf.machine_id, conf.password)
    try:
        return c.find_alerts({"ip": ip})
    finally:
        c.close()


def test_a_burst_goes_in_batches_and_every_ban_once(conf, lapi):
    p = pusher_mod.Pusher(conf)
    posts = []
    real = p.client.push_alerts
    p.client.push_alerts = lambda alerts: posts.append(len(alerts)) or real(alerts)
    now = time.time()
    ips = ["10.19.%d.%d" % (k // 200, k % 200 + 1) for k in range(250)]
    for ip in ips:
        p.ban("burst", ip, now, 600)
    p.start()
    wait(lambda: p.store.counts() == {"acked": 250}, 30, "250 acknowledged bans")
    p.stop()
    assert sum(posts) == 250 and max(posts) <= conf.batch and len(posts) <= 250 // conf.batch + 2, posts
    b = client.Lapi(lapi.url, bouncer_key=BOUNCER_KEY)
    values = [d["value"] for d in b.stream(True, {"scenarios_containing": "f2btune/burst"})["new"]]
    assert sorted(values) == sorted(ips)


def test_a_push_whose_answer_was_lost_is_looked_up_not_repeated(conf, lapi):
    p = pusher_mod.Pusher(conf)
    now = time.time()
    p.ban("lost", "192.0.2.41", now, 600)
    p.ban("lost", "192.0.2.42", now, 600)
    # the push reached the LAPI for .41, then the process died before the answer was stored
    rows = p.store.take("queued", 10, new_state="inflight")
    p.client.push_alerts([alert_for(p.host, "lost", "192.0.2.41", now, now + 600, 3600, now)])
    p.store.close()
    p.client.close()
    p = pusher_mod.Pusher(fleet_config.load(conf.path))
    assert p.store.counts() == {"inflight": 2}
    p.step()
    assert p.store.counts() == {"acked": 2}
    for ip in ("192.0.2.41", "192.0.2.42"):
        assert len([a for a in alerts_for(lapi.url, conf, ip) if matches(a, p.host, "lost", ip, now)]) == 1
    # restored by fail2ban after a restart: nothing is pushed again
    p.ban("lost", "192.0.2.41", round(now), 600)
    assert p.store.counts() == {"acked": 2}
    p.store.close()
    assert rows


def test_unban_deletes_only_this_hosts_decision(conf, lapi, tmp_path):
    other_conf = fleet_config.load(write_conf(str(tmp_path / "other.conf"), lapi.url, str(tmp_path / "other")))
    mine, other = pusher_mod.Pusher(conf), pusher_mod.Pusher(other_conf)
    other.host = "another-host"
    now = time.time()
    for p in (mine, other):
        p.ban("shared", "192.0.2.51", now, 600)
        p.step()
    mine.unban("shared", "192.0.2.51", now, 600)
    mine.step()
    b = client.Lapi(lapi.url, bouncer_key=BOUNCER_KEY)
    live = [d for d in b.stream(True, {"scenarios_containing": "f2btune/shared"})["new"]]
    assert len(live) == 1 and live[0]["value"] == "192.0.2.51"
    # stopping fail2ban (unban of every ticket at stop) keeps the fleet's decision
    other.unban("shared", "192.0.2.51", now, 600, stopping=True)
    other.step()
    assert len(b.stream(True, {"scenarios_containing": "f2btune/shared"})["new"]) == 1
    assert mine.store.counts() == {}


def test_lapi_down_queue_full_one_error_each_and_no_waiting(tmp_path):
    conf = fleet_config.load(write_conf(str(tmp_path / "fleet.conf"), "http://127.0.0.1:9/",
                                        str(tmp_path / "state"), extra="max_queue = 3\n"))
    log = logging.getLogger("f2bt19-test-pusher")
    rec = Records()
    log.addHandler(rec)
    p = pusher_mod.Pusher(conf, log)
    p.start()
    now = time.time()
    for k in range(6):
        p.ban("down", "192.0.2.%d" % (60 + k), now, 600)
    wait(lambda: any("unreachable" in r.getMessage() for r in rec.records), 10, "the push error")
    counts = p.store.counts()
    p.stop()
    errors = [r.getMessage() for r in rec.records if r.levelno >= logging.ERROR]
    assert len([e for e in errors if "queue full" in e]) == 1, errors
    assert len([e for e in errors if "unreachable" in e]) == 1, errors
    assert "max_queue" in [e for e in errors if "queue full" in e][0]
    assert counts == {"queued": 3}, counts


def test_ids_that_are_not_addresses_are_not_pushed(tmp_path):
    conf = fleet_config.load(write_conf(str(tmp_path / "fleet.conf"), "http://127.0.0.1:9/", str(tmp_path / "s")))
    log = logging.getLogger("f2bt19-test-ids")
    rec = Records()
    log.addHandler(rec)
    p = pusher_mod.Pusher(conf, log)
    assert not p.ban("j", "alice", time.time(), 600)
    assert not p.ban("j", "192.0.2.1; rm -rf /", time.time(), 600)
    assert p.ban("j", "2001:DB8::0:1", time.time(), 600)
    assert p.store.take("queued", 5)[0][1] == "2001:db8::1"
    assert len(rec.records) == 2 and "not an IP address" in rec.records[0].getMessage()
    p.store.close()
