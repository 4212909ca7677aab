import os

import pytest

from f2btune.errors import InputError
from f2btune.fleet import config
from tests.fleet.conftest import write_conf


def test_template_loads_and_names_the_defaults(tmp_path):
    p = tmp_path / "fleet.conf"
    p.write_text(config.TEMPLATE)
    os.chmod(str(p), 0o600)
    c = config.load(str(p))
    assert c.url == "http://127.0.0.1:8080/"
    assert c.permanent_s == 8760 * 3600
    assert c.origins == ["f2btune"] and c.scenarios == ["f2btune/"]
    with pytest.raises(InputError, match="cscli machines add"):
        c.need_machine()
    with pytest.raises(InputError, match="cscli bouncers add"):
        c.need_bouncer()


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_credentials_readable_by_others_are_refused_with_the_fix(tmp_path, mode):
    p = write_conf(str(tmp_path / "fleet.conf"), "http://127.0.0.1:1/", str(tmp_path))
    os.chmod(p, mode)
    with pytest.raises(InputError, match="chmod 600 %s" % p):
        config.load(p)


def test_missing_file_symlink_fifo_and_bad_values(tmp_path):
    with pytest.raises(InputError, match="cannot read .*fleet template"):
        config.load(str(tmp_path / "nope.conf"))
    real = write_conf(str(tmp_path / "real.conf"), "http://127.0.0.1:1/", str(tmp_path))
    os.symlink(real, str(tmp_path / "link.conf"))
    with pytest.raises(InputError, match="cannot read"):
        config.load(str(tmp_path / "link.conf"))
    os.mkfifo(str(tmp_path / "fifo.conf"), 0o600)
    with pytest.raises(InputError, match="not a regular file"):
        config.load(str(tmp_path / "fifo.conf"))
    for extra, match in (("[pull]\ninterval = 0\n", "interval"), ("max_queue = -3\n", "max_queue"),
                         ("permanent = forever\n", "permanent")):
        p = write_conf(str(tmp_path / "bad.conf"), "http://127.0.0.1:1/", str(tmp_path), extra=extra)
        with pytest.raises(InputError, match=match):
            config.load(p)
    p = write_conf(str(tmp_path / "url.conf"), "ftp://x/", str(tmp_path))
    with pytest.raises(InputError, match="url"):
        config.load(p)
    with open(p, "wb") as f:
        f.write(b"[lapi]\nurl = http://\xff\x00/\n")
    with pytest.raises(InputError, match="UTF-8"):
        config.load(p)
