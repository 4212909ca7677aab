"""`fail2ban-client -t` accepts every shipped filter in a private config dir."""
import os
import shutil
import subprocess

import pytest

from f2btune.paths import build_confdir, shipped_filters

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# one jail per filter and per interesting option combination
JAILS = {
    "f2btune-synflood": ['f2btune-synflood', 'f2btune-synflood[logprefix="\\[UFW BLOCK\\] ", mode=any]',
                         'f2btune-synflood[mode=ban, logprefix="f2b-ban: "]',
                         'f2btune-synflood[logtype=ulogd]'],
    "f2btune-sshd": ["f2btune-sshd", "f2btune-sshd[mode=aggressive]"],
    "f2btune-apache-auth": ["f2btune-apache-auth"],
    "f2btune-wordpress": ["f2btune-wordpress"],
}


def _client_test(tmp_path, specs, systemd_specs=()):
    conf = build_confdir(str(tmp_path / "conf"))
    log = tmp_path / "test.log"
    log.write_text("")
    lines = ["[DEFAULT]", "backend = polling", "logpath = %s" % log, ""]
    for i, spec in enumerate(specs):
        lines += ["[t%d]" % i, "enabled = true", "filter = %s" % spec, ""]
    for i, spec in enumerate(systemd_specs):
        lines += ["[j%d]" % i, "enabled = true", "backend = systemd", "filter = %s" % spec, ""]
    (tmp_path / "conf" / "jail.local").write_text("\n".join(lines))
    return subprocess.run([shutil.which("fail2ban-client") or "/usr/bin/fail2ban-client", "-c", conf, "-t"],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("name", shipped_filters(ROOT))
def test_client_accepts(tmp_path, name):
    specs = JAILS.get(name, [name])
    proc = _client_test(tmp_path, specs, systemd_specs=[name])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "configuration test is successful" in proc.stdout + proc.stderr


def test_client_rejects_a_broken_filter(tmp_path):
    """The check can fail: a jail naming a filter that is not there is refused.
    (-t reads the config only; regexes are compiled by the server, see test_samples.)"""
    proc = _client_test(tmp_path, ["f2btune-synflood-missing"])
    assert proc.returncode != 0
