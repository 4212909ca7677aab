"""The log a benchmark reads: checked, streamed and sampled as fail2ban decodes it."""


def check_log(path):
    """Raise InputError unless ``path`` is a readable, non-empty text log."""
    from f2btune.files import require_text_log
    return require_text_log(path)


def iter_log(path):
    """Stream decoded lines (UTF-8, invalid bytes replaced, as fail2ban does), without newlines."""
    with open(path, "rb") as f:
        for raw in f:
            yield raw.decode("utf-8", "replace").rstrip("\r\n")


def read_sample(path, max_lines):
    """The first ``max_lines`` lines (all if 0/None): what the timed passes run over."""
    lines = []
    for line in iter_log(path):
        lines.append(line)
        if max_lines and len(lines) >= max_lines:
            break
    return lines
