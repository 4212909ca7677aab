"""The `f2btune check` command: exit statuses, --json, clear errors (real CLI in a subprocess)."""
import json
import os

from f2btune.errors import ExitStatus
from tests.check.helpers import make_conf
from tests.conftest import run_cli


def test_problems_exit_status_and_json(tmp_path):
    conf = make_conf(tmp_path, jail="backend = polling\nignorecommand = /bin/false\n")
    r = run_cli("check", "--conf", conf, "--json")
    assert r.returncode == ExitStatus.PROBLEMS, r.stderr
    report = json.loads(r.stdout)
    assert report["jails"] == ["test"] and report["problems"] == 2
    assert sorted(f["id"] for f in report["findings"]) == ["ignorecommand-no-cache", "polling-backend"]
    for f in report["findings"]:
        assert set(["jail", "id", "severity", "message", "cost"]) <= set(f)
        assert f["jail"] == "test" and f["severity"] == "warning" and f["cost"]["kind"] == "estimate"


def test_clean_config_exits_ok(tmp_path):
    conf = make_conf(tmp_path, fail2ban="loglevel = NOTICE\n")
    r = run_cli("check", "--conf", conf)
    assert r.returncode == ExitStatus.OK, r.stdout + r.stderr
    assert "[test]  no findings" in r.stdout


def test_text_report(tmp_path):
    conf = make_conf(tmp_path, jail="backend = polling\n")
    r = run_cli("check", "-c", conf)
    assert r.returncode == ExitStatus.PROBLEMS
    assert "polling-backend" in r.stdout and "cost (estimate):" in r.stdout and "fix:" in r.stdout


def test_broken_config_is_one_line_error(tmp_path):
    conf = make_conf(tmp_path)
    with open(os.path.join(conf, "jail.d", "test.local"), "a") as f:
        f.write("\n[test\nenabled = true\n")
    r = run_cli("check", "--conf", conf)
    assert r.returncode == ExitStatus.ERROR
    assert r.stderr.startswith("f2btune check: error: ") and "does not load" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_missing_dir_and_unknown_jail(tmp_path):
    r = run_cli("check", "--conf", str(tmp_path / "none"))
    assert r.returncode == ExitStatus.ERROR and "Traceback" not in r.stderr
    r = run_cli("check", "--conf", make_conf(tmp_path), "--jail", "nope")
    assert r.returncode == ExitStatus.ERROR and "no enabled jail named nope" in r.stderr


def test_list_findings():
    r = run_cli("check", "--list")
    assert r.returncode == 0
    listed = [line.split()[0] for line in r.stdout.splitlines()]
    assert "regex-unanchored" in listed and "missing-logfile" in listed and len(listed) == len(set(listed))
