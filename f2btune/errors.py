"""Exit statuses and the typed errors the CLI turns into one-line messages."""
import enum


def one_line(text):
    """Collapse an error message (fail2ban's regex errors span lines) onto one line."""
    return " ".join(str(text).split())


class ExitStatus(enum.IntEnum):
    OK = 0
    ERROR = 1          # the command could not do its job (bad input, missing file or binary, ...)
    USAGE = 2          # bad command line (argparse uses 2 too)
    PROBLEMS = 3       # the command ran and found problems (check findings, a non-equivalent regex, ...)
    INTERRUPTED = 130  # Ctrl-C


class F2btuneError(Exception):
    """An error with a user-facing message; the CLI prints it on one line and exits."""

    exit_status = ExitStatus.ERROR


class UsageError(F2btuneError):
    """Options that parse but make no sense together."""

    exit_status = ExitStatus.USAGE


class InputError(F2btuneError):
    """A log, regex, filter or config the user gave us that we cannot use."""


class DependencyError(F2btuneError):
    """A binary, Python module, kernel feature or privilege we need is missing."""


class Fail2banVersionError(DependencyError):
    """The installed fail2ban is a version f2btune does not know."""
