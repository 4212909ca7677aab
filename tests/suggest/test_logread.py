"""Unknown and hostile inputs: one-line errors, never a traceback."""
import pytest

from f2btune.errors import InputError
from f2btune.suggest.logread import MAX_LINE, read_log


def test_text_log(tmp_path):
    p = tmp_path / "a.log"
    p.write_text("one\n\ntwo\r\nthree")
    s = read_log(str(p))
    assert s.lines == ["one", "two", "three"] and s.notes() == []


@pytest.mark.parametrize("content,why", [
    (b"", "empty"),                          # f2btune.files' check (tests/test_files.py has the rest)
    (b"x" * (10 * 1024 * 1024), "longer than"),
])
def test_unusable(tmp_path, content, why):
    p = tmp_path / "bad.log"
    p.write_bytes(content)
    with pytest.raises(InputError) as e:
        read_log(str(p))
    assert why in str(e.value) and "\n" not in str(e.value)


def test_missing_and_directory(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_log(str(tmp_path / "nope"))
    with pytest.raises(InputError, match="directory"):
        read_log(str(tmp_path))


def test_trailing_nul_and_long_line_are_skipped(tmp_path):
    """A real kern.log can end in NUL bytes after a crash; one huge line among good ones."""
    p = tmp_path / "k.log"
    p.write_bytes(b"good 1\n" + b"y" * (MAX_LINE + 10) + b"\ngood 2\n" + b"\0" * 82)
    s = read_log(str(p))
    assert s.lines == ["good 1", "good 2"]
    assert s.skipped_long == 1 and s.skipped_nul == 1
    assert any("longer" in n for n in s.notes())
