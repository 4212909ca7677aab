"""f2btune.authflood: sshd, apache-auth and wordpress floods, checked against fail2ban-regex."""
import re
import subprocess

import pytest

from f2btune import authflood, flood
from f2btune.paths import build_confdir

# (kind, fail2ban-regex filter argument): the stock filter and f2btune's own
FILTERS = (
    ("sshd", 'sshd[_daemon="sshd(?:-session)?"]'),
    ("sshd", "f2btune-sshd"),
    ("apache-auth", "apache-auth"),
    ("apache-auth", "f2btune-apache-auth"),
    ("wordpress", "f2btune-wordpress"),
)


@pytest.fixture(scope="module")
def confdir(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("conf") / "fail2ban")
    build_confdir(d)
    return d


def matched(confdir, path, filt):
    out = subprocess.run(["fail2ban-regex", "-c", confdir, path, filt], capture_output=True,
                         text=True, timeout=300).stdout
    return int(re.search(r"^Lines: \d+ lines, \d+ ignored, (\d+) matched", out, re.M).group(1))


@pytest.mark.parametrize("kind,filt", FILTERS)
@pytest.mark.parametrize("fold", (False, True))
def test_failures_are_what_fail2ban_counts(confdir, tmp_path, kind, filt, fold):
    """Every line flagged as a failure is one that fail2ban's filter counts, and no other.

    f2btune's filters also read rsyslog's folded repeats, which fail2ban-regex counts once each
    (stock filters don't read them at all)."""
    path = str(tmp_path / "auth.log")
    s = flood.write_flood(path, 1500, kind=kind, sources=30, seed=5, fold=fold)
    assert 0 < s["failures"] <= s["attack_lines"] < s["lines"]
    with open(path) as f:
        folds = sum(1 for line in f if ": message repeated " in line)
    assert (folds > 0) == (fold and kind == "sshd")
    expected = s["failures"] + (folds if filt.startswith("f2btune-") else 0)
    assert matched(confdir, path, filt) == expected


def test_sshd_wording_and_interleaving():
    recs = list(flood.iter_kind("sshd", 2000, sources=40, seed=2))
    text = [r.text for r in recs]
    assert all(re.match(r"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d raspberrypi "
                        r"(?:sshd-session|sshd|CRON|systemd-logind)\[\d+\]: \S", t) for t in text)
    assert any("sshd[612]: drop connection #" in t for t in text)          # PerSourcePenalties
    assert any("maximum authentication attempts exceeded" in t for t in text)
    # sessions interleave: some session's lines are not contiguous
    pids = [re.search(r"sshd-session\[(\d+)\]", t).group(1) for t in text if "sshd-session[" in t]
    runs = sum(1 for a, b in zip(pids, pids[1:]) if a != b)
    assert runs > len(set(pids))
    assert all(r.src is None for r in recs if "192.168.1.10" in r.text or "CRON" in r.text)
    assert list(flood.iter_kind("sshd", 2000, sources=40, seed=2)) == recs


def test_fold_writes_repeated_lines():
    text = [r for r in flood.iter_kind("sshd", 2000, sources=40, seed=2, fold=True)]
    folded = [r for r in text if "message repeated" in r.text]
    assert folded and all(r.fails == 0 and r.src for r in folded)
    assert not any("message repeated" in r.text for r in flood.iter_kind("sshd", 2000, sources=40, seed=2))


def test_apache_stamp_and_client_field():
    for r in flood.iter_kind("apache-auth", 300, sources=10, seed=1, ipv6=0.5):
        assert re.match(r"^\[[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d\.\d{6} \d{4}\] ", r.text)
        assert len(authflood.stamp_apache(r.time)) == 33
        if r.src:
            assert "[client %s:" % r.src in r.text


def test_bad_arguments():
    with pytest.raises(ValueError):
        list(flood.iter_kind("telnet", 10))
    with pytest.raises(ValueError):
        list(flood.iter_kind("sshd", 10, fmt="ulogd"))
    with pytest.raises(ValueError):
        list(flood.iter_kind("sshd", 10, sources=0))
