"""``f2btune flood`` end to end: the real CLI in a subprocess."""
import pytest

from tests.conftest import run_cli


def test_writes_the_flood_and_reports(tmp_path):
    out = tmp_path / "flood.log"
    p = run_cli("flood", "-o", out, "--lines", 300, "--sources", 20, "--rate", 30, "--seed", 4)
    assert p.returncode == 0, p.stderr
    lines = out.read_text().splitlines()
    assert len(lines) == 300
    assert "wrote 300 lines" in p.stderr and "from 20 addresses" in p.stderr
    again = tmp_path / "again.log"
    assert run_cli("flood", "-o", again, "--lines", 300, "--sources", 20, "--rate", 30,
                   "--seed", 4).returncode == 0
    assert again.read_text() == out.read_text()


def test_stdout_prefix_and_format():
    p = run_cli("flood", "-o", "-", "--lines", 20, "--prefix", "DROP ", "--format", "rfc3339",
                "--noise", 0)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert len(lines) == 20
    assert all("] DROP IN=" in l and l[:4].isdigit() for l in lines)


@pytest.mark.parametrize("args, words", [
    (("--lines", "-5"), "lines"),
    (("--noise", "2"), "noise"),
    (("--rate", "0"), "rate"),
    (("--sources", "0"), "sources"),
])
def test_bad_values_are_one_line_usage_errors(tmp_path, args, words):
    p = run_cli("flood", "-o", tmp_path / "x.log", *args)
    assert p.returncode == 2
    assert p.stderr.count("\n") == 1 and "Traceback" not in p.stderr
    assert p.stderr.startswith("f2btune flood: error:") and words in p.stderr


def test_unwritable_output_is_a_one_line_error(tmp_path):
    p = run_cli("flood", "-o", tmp_path / "missing-dir" / "x.log", "--lines", 5)
    assert p.returncode == 1
    assert p.stderr.startswith("f2btune flood: error: cannot write") and p.stderr.count("\n") == 1


def test_bad_format_is_a_usage_error(tmp_path):
    p = run_cli("flood", "-o", tmp_path / "x.log", "--format", "csv")
    assert p.returncode == 2 and "Traceback" not in p.stderr


def test_flood_kinds(tmp_path):
    for kind in ("sshd", "apache-auth", "wordpress"):
        out = tmp_path / ("%s.log" % kind)
        p = run_cli("flood", "-o", out, "--kind", kind, "--lines", 200, "--sources", 5)
        assert p.returncode == 0, p.stderr
        assert len(out.read_text().splitlines()) == 200 and "(%s)" % kind in p.stderr
    old = tmp_path / "old.log"
    p = run_cli("flood", "-o", old, "--kind", "sshd", "--sshd-tag", "sshd", "--fold", "--lines", 300)
    assert p.returncode == 0 and "sshd-session" not in old.read_text() and "sshd[" in old.read_text()
    p = run_cli("flood", "-o", tmp_path / "x.log", "--kind", "sshd", "--format", "ulogd")
    assert p.returncode == 2 and "synflood" in p.stderr and "Traceback" not in p.stderr
    p = run_cli("flood", "-o", tmp_path / "y.log", "--fold")
    assert p.returncode == 2 and "sshd only" in p.stderr and not (tmp_path / "y.log").exists()
