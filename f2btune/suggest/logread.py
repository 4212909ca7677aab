"""Reading a log we have never seen, safely: bounded, text-only, one-line errors."""

from f2btune.errors import InputError
from f2btune.files import require_text_log

MAX_LINE = 64 * 1024          # longer lines are skipped (fail2ban would crawl over them)
MAX_LINES = 200000            # lines read for a suggestion; the rest of a big log is left out


class LogSample(object):
    """The usable lines of a log and what was left out (and why)."""

    def __init__(self, path, lines, skipped_long=0, skipped_nul=0, truncated=False):
        self.path = path
        self.lines = lines
        self.skipped_long = skipped_long
        self.skipped_nul = skipped_nul
        self.truncated = truncated

    def notes(self):
        out = []
        if self.skipped_long:
            out.append("%d line(s) longer than %d characters skipped" % (self.skipped_long, MAX_LINE))
        if self.skipped_nul:
            out.append("%d line(s) with NUL bytes skipped" % self.skipped_nul)
        if self.truncated:
            out.append("only the first %d lines were read" % MAX_LINES)
        return out


def read_log(path, max_lines=MAX_LINES, max_line=MAX_LINE):
    """Read ``path`` as a text log; raise InputError with a one-line reason when unusable."""
    require_text_log(path)
    try:
        f = open(path, "rb")
    except OSError as e:
        raise InputError("cannot read %s: %s" % (path, e.strerror or e))
    with f:
        lines, long_, nul, truncated = [], 0, 0, False
        while True:
            raw = f.readline(max_line + 1)
            if not raw:
                break
            if len(raw) > max_line and not raw.endswith(b"\n"):
                long_ += 1
                # skip the rest of this overlong line without holding it in memory
                while True:
                    chunk = f.readline(1 << 20)
                    if not chunk or chunk.endswith(b"\n"):
                        break
                continue
            if b"\0" in raw:
                nul += 1
                continue
            text = raw.decode("utf-8", "replace").rstrip("\r\n")
            if text.strip():
                lines.append(text)
            if len(lines) >= max_lines:
                truncated = bool(f.read(1))
                break
    if not lines:
        why = []
        if long_:
            why.append("%d line(s) longer than %d characters" % (long_, max_line))
        if nul:
            why.append("%d line(s) with NUL bytes" % nul)
        raise InputError("%s has no usable text lines%s" % (path, (": " + ", ".join(why)) if why else ""))
    return LogSample(path, lines, long_, nul, truncated)
