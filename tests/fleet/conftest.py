import os

import pytest

from tests.fleet.lapi_lab import Lapi, skip_unless_installed

MACHINE, PASSWORD, BOUNCER_KEY = "f2bt19-test", "f2bt19-password-0123", "f2bt19-key-0123456789abcdef"


def write_conf(path, url, state_dir, password=PASSWORD, extra=""):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("[lapi]\nurl = %s\nmachine_id = %s\npassword = %s\nbouncer_key = %s\n[push]\nstate_dir = %s\n%s"
                % (url, MACHINE, password, BOUNCER_KEY, state_dir, extra))
    return path


@pytest.fixture(scope="module")
def lapi(tmp_path_factory):
    """A real LAPI on loopback (port 18019), with one machine and one bouncer."""
    skip_unless_installed()
    server = Lapi(str(tmp_path_factory.mktemp("lapi")), listen="127.0.0.1:18019")
    server.write_config()
    server.add_machine(MACHINE, PASSWORD)
    server.add_bouncer("f2bt19-test", BOUNCER_KEY)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def conf(tmp_path, lapi):
    from f2btune.fleet import config
    return config.load(write_conf(str(tmp_path / "fleet.conf"), lapi.url, str(tmp_path / "state")))
