"""Filters learnt from one real-service log, tested on a second log with new users and addresses.

For each service: the suggested filter reports every failure line of the second log with the
right address, never the injected one, has at most one regex per message shape, and passes
fail2ban's samplestestcase (run by ``--write``).
"""
import json
import os

import pytest

from f2btune.f2b import make_filter
from f2btune.suggest.core import suggest_filter
from f2btune.suggest.prove import failures

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
SERVICES = json.load(open(os.path.join(HERE, "services.json")))


def _read(service, name):
    with open(os.path.join(HERE, service, name)) as f:
        return [l.rstrip("\n") for l in f]


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_learnt_filter_holds_on_unseen_log(service, tmp_path):
    spec = SERVICES[service]
    target = tmp_path / (service + "-suggested.conf")
    r = suggest_filter(os.path.join(HERE, service, "learn.log"), bench=False, write=str(target),
                       **spec["baseline"])
    assert r["equivalent"], (r["mismatches"], r["near_miss_lines"], r["injection"])
    assert r["written"]["samples_check"] is True and target.exists(), r["written"]
    assert 1 <= len(r["failregex"]) <= spec["message_shapes"], r["failregex"]
    assert r["injection"]["failures"] == 0 and r["injection"]["variants"] > 0
    assert r["heldout"]["shown"] and r["heldout"]["same_address"] == r["heldout"]["held"]

    lines, truth = _read(service, "test.log"), _read(service, "test.truth")
    got = failures(make_filter(str(target), usedns="raw"), lines)
    failures_lines = [(l, t, g) for l, t, g in zip(lines, truth, got) if t != "-" and not t.startswith("!")]
    assert failures_lines and all(g == t for _, t, g in failures_lines), \
        [(t, g, l) for l, t, g in failures_lines if g != t]
    injected = [(l, t, g) for l, t, g in zip(lines, truth, got) if t.startswith("!")]
    assert all(g != t[1:] for _, t, g in injected)
    assert all(g is None for t, g in zip(truth, got) if t == "-")
