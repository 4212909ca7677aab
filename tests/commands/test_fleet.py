"""``f2btune fleet`` as a user runs it: exit statuses and one-line errors."""
import os

from tests.conftest import run_cli
from tests.fleet.conftest import lapi, write_conf  # noqa: F401 (fixture)


def test_template_and_usage():
    p = run_cli("fleet", "template")
    assert p.returncode == 0 and "[lapi]" in p.stdout and "bouncer_key" in p.stdout
    assert run_cli("fleet").returncode == 2
    assert run_cli("fleet", "frobnicate").returncode == 2


def test_loose_permissions_are_one_line_exit_1(tmp_path):
    conf = write_conf(str(tmp_path / "fleet.conf"), "http://127.0.0.1:9/", str(tmp_path / "s"))
    os.chmod(conf, 0o644)
    for action in ("status", "pull"):
        p = run_cli("fleet", "--config", conf, action)
        assert p.returncode == 1, p.stderr
        assert p.stderr.count("\n") == 1 and "chmod 600" in p.stderr


def test_status_reports_problems_with_exit_3(tmp_path):
    conf = write_conf(str(tmp_path / "fleet.conf"), "http://127.0.0.1:9/", str(tmp_path / "s"))
    p = run_cli("fleet", "--config", conf, "status")
    assert p.returncode == 3, p.stdout + p.stderr
    assert "connection:  FAILED" in p.stdout and "unreachable" in p.stdout
    assert "pull:        not running here" in p.stdout


def test_status_with_a_real_lapi(tmp_path, lapi):  # noqa: F811
    conf = write_conf(str(tmp_path / "fleet.conf"), lapi.url, str(tmp_path / "s"))
    p = run_cli("fleet", "--config", conf, "status")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "connection:  ok (machine f2bt19-test logged in)" in p.stdout


def test_pull_once_with_the_lapi_down_fails_after_one_attempt(tmp_path, as_root):
    import shutil
    import subprocess
    import sys
    from f2btune import netns, paths
    from f2btune.f2b import interpreter_env
    from tests.conftest import ROOT
    if not (shutil.which("ipset") and shutil.which("iptables")):
        import pytest
        pytest.skip("ipset/iptables not installed")
    conf = write_conf(str(tmp_path / "fleet.conf"), "http://127.0.0.1:9/", str(tmp_path / "s"))
    confdir = str(tmp_path / "conf")
    paths.build_confdir(confdir)
    with netns.Netns("f2bt19-once%d" % os.getpid()) as ns:
        p = subprocess.run(netns.exec_args(ns.name, [sys.executable, "-m", "f2btune", "fleet", "--config", conf,
                                                     "pull", "--once", "--confdir", confdir]),
                           capture_output=True, text=True, timeout=120, cwd=ROOT, env=interpreter_env())
    assert p.returncode == 1, p.stderr
    last = p.stderr.strip().splitlines()[-1]
    assert last.startswith("f2btune fleet: error: no sync with http://127.0.0.1:9/") and "unreachable" in last
