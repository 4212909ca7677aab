"""`f2btune server`: the launcher command and its systemd drop-in."""
import subprocess

from f2btune import server
from f2btune.f2b import interpreter_env
from tests.conftest import run_cli


def test_print_dropin():
    r = run_cli("server", "--print-dropin", "--python", "pypy3")
    assert r.returncode == 0
    assert "[Service]\nExecStart=\nExecStart=" in r.stdout
    assert r.stdout.rstrip().endswith("server --python pypy3 -xf start")


def test_dropin_text_defaults():
    text = server.dropin_text(f2btune="/usr/bin/f2btune")
    assert "ExecStart=/usr/bin/f2btune server -xf start" in text
    assert "--python" not in text


def test_server_passes_arguments_to_fail2ban_server():
    # fail2ban-server's own --version: proves the arguments reach its unchanged entry point
    r = run_cli("server", "--version")
    assert r.returncode == 0, r.stderr
    assert "Fail2Ban v" in r.stdout


def test_server_under_pypy_registers_backends(pypy3, tmp_path):
    code = ("from f2btune.backend.register import register; register(); "
            "from fail2ban.server.jail import Jail; print('f2btune' in Jail._BACKENDS)")
    r = subprocess.run([pypy3, "-c", code], capture_output=True, text=True, timeout=120,
                       env=interpreter_env(pypy3))
    assert r.stdout.strip() == "True", r.stderr
