"""Input files: regular files only; a text log is told from binary data by its head."""
import gzip
import os

import pytest

from f2btune.errors import InputError
from f2btune.files import require_text_log


@pytest.mark.parametrize("content, words", [
    (b"", "empty"),
    (b"\0" * 4096, "binary"),
    (b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0" + bytes(range(256)) * 40, "binary"),
    (bytes(range(128, 256)) * 64, "binary"),           # not UTF-8 at all
    (gzip.compress(b"Nov 30 01:00:00 pi kernel: x\n" * 50), "gzip"),
])
def test_what_is_not_a_text_log_is_a_one_line_error(tmp_path, content, words):
    p = tmp_path / "bad.log"
    p.write_bytes(content)
    with pytest.raises(InputError) as e:
        require_text_log(str(p))
    assert words in str(e.value) and "\n" not in str(e.value)


def test_a_fifo_is_refused_without_opening_it(tmp_path):
    fifo = str(tmp_path / "pipe")
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="named pipe"):
        require_text_log(fifo)


def test_text_logs_with_crash_nuls_and_latin1_are_accepted(tmp_path):
    p = tmp_path / "kern.log"
    p.write_bytes(b"Nov 30 01:00:00 pi kernel: caf\xe9 x\n" * 200 + b"\0" * 300 + b"Nov 30 01:00:01 pi x\n")
    assert require_text_log(str(p)) == str(p)
