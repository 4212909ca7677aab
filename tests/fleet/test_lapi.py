"""The LAPI client against Debian's real crowdsec LAPI."""
import time

import pytest

from f2btune.fleet import lapi as client
from f2btune.fleet.alerts import alert_for, matches
from tests.fleet.conftest import BOUNCER_KEY, MACHINE, PASSWORD


def test_push_find_stream_and_delete(lapi):
    lapi_client = machine(lapi.url)
    c = lapi_client
    now = time.time()
    ids = c.push_alerts([alert_for("h1", "sshd", "192.0.2.31", now, now + 300, 3600, now),
                         alert_for("h1", "sshd", "2001:db8::31", now, None, 86400, now)])
    assert len(ids) == 2
    hits = [a for a in c.find_alerts({"ip": "192.0.2.31", "scenario": "f2btune/sshd"})
            if matches(a, "h1", "sshd", "192.0.2.31", now)]
    assert [str(a["id"]) for a in hits] == ids[:1]
    b = client.Lapi(lapi.url, bouncer_key=BOUNCER_KEY)
    new = dict((x["value"], x) for x in b.stream(True, {"origins": "f2btune"})["new"])
    from f2btune.fleet.godur import parse
    assert 300 - (time.time() - now) - 1 <= parse(new["192.0.2.31"]["duration"]) <= 300
    assert parse(new["2001:db8::31"]["duration"]) > 86000
    assert new["192.0.2.31"]["origin"] == "f2btune" and new["192.0.2.31"]["scenario"] == "f2btune/sshd"
    for dec in lapi_client.alert(ids[0])["decisions"]:
        lapi_client.delete_decision(dec["id"])
    assert [x["value"] for x in b.stream(False, {"origins": "f2btune"})["deleted"]] == ["192.0.2.31"]
    assert lapi_client.alert(999999) is None
    lapi_client.close()


def machine(url):
    return client.Lapi(url, MACHINE, PASSWORD)


def test_the_token_is_refreshed_before_it_expires_and_after_a_401(lapi):
    c = machine(lapi.url)
    c.login()
    first = c._token
    assert c._token_end > time.time() + 600        # the LAPI's expiry was read
    c._token_end = time.time() + 1                  # about to expire: logs in again
    c.find_alerts({"ip": "192.0.2.99"})
    assert c._token != first or c._token_end > time.time() + 600
    c._token = "not-a-token"                        # revoked/garbled: one re-login on the 401
    assert c.find_alerts({"ip": "192.0.2.99"}) == []
    c.close()


def test_wrong_credentials_and_key_say_what_to_fix(lapi):
    with pytest.raises(client.AuthError, match="check machine_id/password"):
        client.Lapi(lapi.url, MACHINE, "wrong").login()
    with pytest.raises(client.AuthError, match="bouncer_key"):
        client.Lapi(lapi.url, bouncer_key="wrong").stream(True)


def test_an_unreachable_lapi_is_one_line_not_a_hang():
    c = client.Lapi("http://127.0.0.1:9/", MACHINE, PASSWORD, timeout=2)
    with pytest.raises(client.LapiError, match="unreachable") as e:
        c.login()
    assert not e.value.sent
