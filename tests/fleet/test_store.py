import pytest

from f2btune.fleet.store import QueueFull, Store


def test_a_ban_is_queued_once_per_jail_address_and_start(tmp_path):
    s = Store(str(tmp_path), max_queue=10)
    assert s.add("sshd", "192.0.2.1", 1000.4, 1600.4)
    # the same ban restored from fail2ban's database (start rounded to seconds)
    assert not s.add("sshd", "192.0.2.1", 1000.0, 1600.0)
    assert s.add("sshd", "192.0.2.1", 2000.0, 2600.0)       # a later ban
    assert s.add("recidive", "192.0.2.1", 1000.0, 1600.0)   # another jail
    assert s.counts() == {"queued": 3}
    rows = s.take("queued", 2, new_state="inflight")
    assert [r[:3] for r in rows] == [("sshd", "192.0.2.1", "1000"), ("sshd", "192.0.2.1", "2000")]
    s.set_state(rows, "acked", ["7", "8"])
    assert s.counts() == {"queued": 1, "acked": 2}
    # persisted: a new process sees the same
    s.close()
    s = Store(str(tmp_path), max_queue=10)
    assert s.counts() == {"queued": 1, "acked": 2}
    assert not s.add("sshd", "192.0.2.1", 1000, 1600)
    # prolonged (bantime.increment): pushed again
    assert s.add("sshd", "192.0.2.1", 1000, 6000)
    assert s.counts() == {"queued": 2, "acked": 1}


def test_unban_deletes_at_the_lapi_only_what_was_pushed(tmp_path):
    s = Store(str(tmp_path))
    s.add("j", "192.0.2.1", 10, None)
    assert not s.unban("j", "192.0.2.1", 10)        # never pushed: just dropped
    assert s.counts() == {}
    s.add("j", "192.0.2.2", 10, None)
    row = s.take("queued", 1, new_state="inflight")
    assert s.unban("j", "192.0.2.2", 10)            # answer pending: delete once acknowledged
    s.set_state(row, "acked", ["5"])
    assert s.counts() == {"unban": 1}
    assert s.take("unban", 5)[0][4] == "5"


def test_the_queue_is_bounded_and_expired_bans_are_dropped(tmp_path):
    s = Store(str(tmp_path), max_queue=2)
    s.add("j", "192.0.2.1", 10, 20)
    s.add("j", "192.0.2.2", 10, None)
    with pytest.raises(QueueFull):
        s.add("j", "192.0.2.3", 10, 20)
    assert s.expire(now=30) == 1
    assert s.add("j", "192.0.2.3", 10, 40)
