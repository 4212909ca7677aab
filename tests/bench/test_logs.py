"""The benchmarked log is checked before anything runs."""
import pytest

from f2btune.bench import logs
from f2btune.errors import InputError


@pytest.mark.parametrize("kind, words", [("missing", "not found"), ("empty", "empty"),
                                         ("binary", "binary"), ("directory", "directory")])
def test_check_log_rejects_bad_input(bad_logs, kind, words):
    with pytest.raises(InputError, match=words):
        logs.check_log(bad_logs[kind])
