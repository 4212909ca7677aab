"""f2btune.server: the launcher's own settings (the server itself is tested in tests/backend)."""
import os
import subprocess
import sys

from f2btune.server import pin_timezone


def test_pin_timezone_sets_tz_only_when_unset():
    env = {}
    pin_timezone(env)
    assert env == {"TZ": ":/etc/localtime"}
    env = {"TZ": "Europe/Berlin"}
    pin_timezone(env)
    assert env == {"TZ": "Europe/Berlin"}


def test_pinned_timezone_keeps_local_time():
    # the same wall-clock stamp must map to the same epoch with and without the pin
    code = ("import os, time; from f2btune.server import pin_timezone; "
            "t = (2026, 11, 22, 3, 0, 0, 0, 0, -1); a = time.mktime(t); "
            "pin_timezone(); print(a == time.mktime(t), os.environ['TZ'])")
    env = {k: v for k, v in os.environ.items() if k != "TZ"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.split() == ["True", ":/etc/localtime"], out.stderr
