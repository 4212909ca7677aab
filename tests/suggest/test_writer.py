"""--write: checked before anything is written, never over a file unasked, never into a FIFO."""
import os

import pytest

from f2btune.errors import InputError
from f2btune.suggest import writer

PACKAGED = "/etc/fail2ban/filter.d/sshd.conf"


def test_existing_files_need_force(tmp_path):
    (tmp_path / "a.conf").write_text("mine\n")
    with pytest.raises(InputError, match="already exist.*--force"):
        writer.targets(str(tmp_path / "a.conf"))
    (tmp_path / "b.sample").write_text("mine\n")
    with pytest.raises(InputError, match="b.sample already exists"):
        writer.targets(str(tmp_path / "b.conf"))
    assert writer.targets(str(tmp_path / "a.conf"), force=True)[2] == "a"


def test_fifo_target_refused(tmp_path):
    os.mkfifo(str(tmp_path / "p.conf"))
    with pytest.raises(InputError, match="not a regular file"):
        writer.targets(str(tmp_path / "p.conf"), force=True)


@pytest.mark.skipif(not os.path.isfile(PACKAGED), reason="fail2ban's sshd.conf is not installed")
def test_packaged_filter_refused_even_forced():
    with pytest.raises(InputError) as e:
        writer.targets(PACKAGED, force=True)
    assert "package" in str(e.value) and "sshd.local" in str(e.value)


def test_no_datepattern_line_means_default_detection():
    assert not any(l.startswith("datepattern") for l in writer.definition(None, ["^x <ADDR>"], None))
    assert "datepattern = ^%%b" in "\n".join(writer.definition(None, ["^x <ADDR>"], ["^%b"]))
