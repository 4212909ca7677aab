"""Write the suggested filter and its failJSON sample: checked first, never over a file unasked.

The pair is written to a private directory and checked there with fail2ban's samplestestcase
(:mod:`.samples`); only a pair that passes is moved into place. An existing file is replaced only
with ``--force``, after a backup (``FILE.bak``, ``FILE.bak.1``, ...); a filter that a Debian
package installed is never replaced (a ``.local`` or another name is the way to change it).
"""
import json
import os
import re
import shutil
import subprocess
import tempfile

from f2btune.errors import InputError


def conf_value(text):
    """A regex as a filter-file value: % doubled for fail2ban's config interpolation."""
    return text.replace("%", "%%")


def definition(prefregex, failregex, datepatterns):
    """The [Definition] section; no datepattern line means fail2ban's own detection."""
    out = ["[Definition]", ""]
    if prefregex:
        out += ["prefregex = %s" % conf_value(prefregex), ""]
    out.append("failregex = %s" % conf_value(failregex[0]))
    out += ["            %s" % conf_value(r) for r in failregex[1:]]
    out += ["", "ignoreregex =", ""]
    if datepatterns:
        out.append("datepattern = %s" % conf_value(datepatterns[0]))
        out += ["              %s" % conf_value(p) for p in datepatterns[1:]]
        out.append("")
    return out


def filter_text(result, name):
    inj = result["injection"]
    held = result.get("heldout") or {}
    lines = [
        "# Fail2Ban filter suggested by `f2btune suggest-regex` (f2btune)",
        "#",
        "# Sample: %s (%d lines, %d matched by the baseline)" % (
            result["log"], result["lines"], result["baseline_matched"]),
        "# Baseline: %s" % result["baseline"],
        "# Proof on the sample: %s; adversarial variants rejected: %d/%d; near misses matched: %d" % (
            "equivalent" if result["equivalent"] else "NOT equivalent",
            inj["variants"] - inj["failures"], inj["variants"], inj.get("near_miss_taken", 0)),
        "# Held-out lines: %s" % (held.get("summary") or "not measured"),
        "# Date: %s" % result["date_format"],
        "",
    ]
    dp = result["datepattern"].split("\n") if result["datepattern"] else None
    return "\n".join(lines + definition(result["prefregex"], result["failregex"], dp))


def sample_text(result, name):
    """failJSON sample lines: every failregex covered, negatives and injected variants."""
    out = ["# Sample lines for %s, written by `f2btune suggest-regex` from %s." % (name, result["log"]),
           "# Checked with fail2ban's samplestestcase.", ""]
    for item in result["_samples"]:
        if item["host"] is None:
            out.append('# failJSON: { "match": false }')
        else:
            out.append("# failJSON: %s" % json.dumps({"match": True, "host": item["host"]}))
        out.append(item["line"])
    return "\n".join(out) + "\n"


def _packaged(path):
    """The Debian package that installed ``path``, or None."""
    try:
        proc = subprocess.run(["dpkg-query", "-S", os.path.realpath(path)], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, universal_newlines=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.split(":", 1)[0] if proc.returncode == 0 and proc.stdout else None


def targets(path, force=False):
    """(filter path, sample path, name) for ``--write PATH``; refuses what must not be written."""
    name = os.path.splitext(os.path.basename(path))[0]
    if not name or not re.match(r"^[\w.-]+$", name):
        raise InputError("--write needs a file name like my-filter.conf, got %r" % path)
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise InputError("directory for --write does not exist: %s" % parent)
    sample = os.path.join(parent, name + ".sample")
    for p in (path, sample):
        if os.path.lexists(p) and not os.path.isfile(p):
            raise InputError("%s exists and is not a regular file (a FIFO, device or directory): "
                             "not writing there" % p)
    pkg = _packaged(path) if os.path.lexists(path) else None
    if pkg:
        raise InputError("%s belongs to the %s package: write %s.local beside it to override its "
                         "settings, or choose another name (e.g. %s-suggested.conf)"
                         % (path, pkg, os.path.splitext(path)[0], name))
    existing = [p for p in (path, sample) if os.path.lexists(p)]
    if existing and not force:
        raise InputError("%s already exist%s: nothing written (--force replaces it, keeping a .bak copy)"
                         % (" and ".join(existing), "s" if len(existing) == 1 else ""))
    return path, sample, name


def _backup(path):
    n, dest = 0, path + ".bak"
    while os.path.lexists(dest):
        n += 1
        dest = "%s.bak.%d" % (path, n)
    shutil.copy2(path, dest)
    return dest


def write_checked(result, path, force=False):
    """Write filter + sample if samplestestcase passes on them; the ``written`` dict."""
    from f2btune.suggest.samples import check_samples
    path, sample, name = targets(path, force)
    with tempfile.TemporaryDirectory(prefix="f2btune-write-%d-" % os.getpid()) as tmp:
        tf, ts = os.path.join(tmp, name + ".conf"), os.path.join(tmp, name + ".sample")
        with open(tf, "w") as f:
            f.write(filter_text(result, name))
        with open(ts, "w") as f:
            f.write(sample_text(result, name))
        ok, out = check_samples(tf, ts)
        if not ok:
            return {"filter": None, "sample": None, "samples_check": False,
                    "samples_check_output": out[-2000:], "backups": [],
                    "why": "samplestestcase failed on the suggested filter: nothing written"}
        backups = [_backup(p) for p in (path, sample) if os.path.lexists(p)]
        try:
            for src, dst in ((tf, path), (ts, sample)):
                shutil.copyfile(src, dst + ".f2btune-tmp")
                os.replace(dst + ".f2btune-tmp", dst)
        except OSError as e:
            raise InputError("cannot write %s: %s" % (path, e.strerror or e))
    return {"filter": path, "sample": sample, "samples_check": True, "samples_check_output": None,
            "backups": backups}
