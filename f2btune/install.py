"""``f2btune install`` / ``uninstall``: copy f2btune's snippets into a fail2ban config, and back out.

For systems without the Debian package.  ``install(root)`` copies filter.d/action.d/jail.d into
``root/etc/fail2ban`` (which must already hold a fail2ban configuration) and, with
``server_dropin``, writes the systemd drop-in that runs fail2ban through ``f2btune server``.
Every file written is recorded with its checksum in a manifest
(``root/var/lib/f2btune/install-manifest.json``); ``uninstall(root)`` removes exactly those
files, restores what install backed up, and keeps (and reports) files changed since.

Rules: a run with nothing to do changes nothing; ``.local`` files are never overwritten; a file
that is not ours, or ours but modified since, is backed up (``NAME.f2btune-backup``) before it
is replaced.
"""
import hashlib
import json
import os
import shutil
import subprocess
import tempfile

from f2btune.errors import DependencyError, InputError
from f2btune.fleet.unit import UNIT_PATH as FLEET_UNIT

CONFDIR = "etc/fail2ban"
DROPIN = "etc/systemd/system/fail2ban.service.d/f2btune.conf"
MANIFEST = "var/lib/f2btune/install-manifest.json"
BACKUP_SUFFIX = ".f2btune-backup"
UNITS = (DROPIN, FLEET_UNIT)   # a change needs a daemon-reload


class InstallStep:
    """One thing install/uninstall does (or would do with --dry-run)."""

    def __init__(self, action, path, detail=""):
        self.action = action   # install, update, unchanged, backup, skip, remove, restore, keep, reload
        self.path = path
        self.detail = detail

    @property
    def changes(self):
        return self.action not in ("unchanged", "skip", "keep")

    def __str__(self):
        return "%-9s %s%s" % (self.action, self.path, ("  (%s)" % self.detail) if self.detail else "")

    def __repr__(self):
        return "InstallStep(%r, %r)" % (self.action, self.path)


def digest(data):
    return hashlib.sha256(data).hexdigest()


def file_digest(path):
    try:
        with open(path, "rb") as f:
            return digest(f.read())
    except (IOError, OSError):
        return None


def _abs(root, rel):
    return os.path.join(root, rel)


def load_manifest(root):
    path = _abs(root, MANIFEST)
    if not os.path.exists(path):
        return {"files": {}, "dirs": []}
    try:
        with open(path) as f:
            data = json.load(f)
        data.setdefault("files", {})
        data.setdefault("dirs", [])
        return data
    except (ValueError, IOError, OSError) as e:
        raise InputError("unreadable install manifest %s: %s" % (path, e))


def save_manifest(root, manifest):
    """Write the manifest, or remove it (and its directory, if we made it) when it lists nothing."""
    path = _abs(root, MANIFEST)
    if not manifest["files"]:
        if os.path.exists(path):
            os.unlink(path)
        _prune_dirs(root, manifest["dirs"])
        return
    created = _makedirs(root, os.path.dirname(MANIFEST))
    manifest["dirs"] = sorted(set(manifest["dirs"]) | set(created))
    _write(path, (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode())


def _write(path, data, mode=0o644):
    """Write atomically (temp file + rename), so an interrupted run never leaves half a file."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".f2btune-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _prune_dirs(root, rels):
    """Remove directories (deepest first) if empty."""
    for rel in sorted(set(rels), key=len, reverse=True):
        path = _abs(root, rel)
        try:
            os.rmdir(path)
        except OSError:
            pass


DEBIAN_PACKAGE = "fail2ban-f2btune"


def debian_package_installed(root):
    """True when the fail2ban-f2btune package owns the snippets under ``root`` (dpkg knows it)."""
    return os.path.exists(_abs(root, "var/lib/dpkg/info/%s.list" % DEBIAN_PACKAGE))


def wanted_files(source=None, server_dropin=False, python=None, snippets=True, launcher=None, fleet_pull=False):
    """{relative target path: bytes} of everything install places (the drop-in names ``launcher``)."""
    from f2btune.paths import snippet_files
    files = {}
    for rel, path in (snippet_files(source) if snippets else ()):
        with open(path, "rb") as f:
            files[os.path.join(CONFDIR, rel)] = f.read()
    if snippets and not files:
        raise InputError("no f2btune snippets found (filter.d, action.d, jail.d)%s"
                         % (" under %s" % source if source else ""))
    if server_dropin:
        try:
            from f2btune.server import dropin_text
        except ImportError as e:
            raise DependencyError("the systemd drop-in needs f2btune.server: %s" % e)
        files[DROPIN] = dropin_text(python=python, f2btune=launcher).encode()
    if fleet_pull:
        from f2btune.fleet.unit import unit_text
        files[FLEET_UNIT] = unit_text().encode()
    return files


def existing_root(root):
    """``root`` as an absolute path; InputError unless it is a directory that exists.

    Neither install nor uninstall creates the root: install needs fail2ban's configuration
    inside it, and a root that is not there has nothing to uninstall.
    """
    path = os.path.abspath(root)
    if not os.path.isdir(path):
        raise InputError("root %s %s" % (path, "is not a directory" if os.path.exists(path) else "does not exist"))
    return path


def check_root(root):
    conf = _abs(root, CONFDIR)
    if not any(os.path.isfile(os.path.join(conf, n)) for n in ("jail.conf", "fail2ban.conf")):
        raise InputError("no fail2ban configuration in %s (install fail2ban first; f2btune adds to it)" % conf)


def install(root="/", source=None, server_dropin=False, dry_run=False, python=None, fleet_pull=False):
    """Install f2btune's snippets under ``root``; returns the list of :class:`InstallStep`."""
    root = existing_root(root)
    check_root(root)
    manifest = load_manifest(root)
    steps = []
    snippets = not debian_package_installed(root)
    if not snippets:
        steps.append(InstallStep("skip", CONFDIR,
                                 "filters, actions and jails come from the %s package" % DEBIAN_PACKAGE))
    launcher = None
    if server_dropin:   # refused before anything is written (with --dry-run too)
        from f2btune import dropin
        launcher = dropin.launcher(root)
        dropin.check(root, launcher, python)
    for rel, data in sorted(wanted_files(source, server_dropin, python, snippets, launcher, fleet_pull).items()):
        target = _abs(root, rel)
        want = digest(data)
        have = file_digest(target) if os.path.lexists(target) else None
        ours = manifest["files"].get(rel)
        if have == want:
            steps.append(InstallStep("unchanged", rel))
            if ours:
                ours["sha256"] = want
            continue
        if have is not None and rel.endswith(".local"):
            steps.append(InstallStep("skip", rel, "an admin's .local file is never overwritten"))
            continue
        backup = None
        if have is not None and not (ours and ours.get("sha256") == have):
            # not ours, or ours but changed since: keep a copy before replacing it
            backup = _free_name(root, rel + BACKUP_SUFFIX)
            steps.append(InstallStep("backup", rel, "%s; saved to %s" % (
                "modified since f2btune installed it" if ours else "not installed by f2btune", backup)))
        steps.append(InstallStep("update" if have is not None else "install", rel))
        if dry_run:
            continue
        created = _makedirs(root, os.path.dirname(rel))
        manifest["dirs"] = sorted(set(manifest["dirs"]) | set(created))
        if backup:
            shutil.copy2(target, _abs(root, backup))
        _write(target, data)
        entry = {"sha256": want}
        first = (ours or {}).get("backup") or (backup if not ours else None)
        if first:
            entry["backup"] = first   # the admin's original, restored by uninstall
        manifest["files"][rel] = entry
    if not dry_run and any(s.changes for s in steps):
        save_manifest(root, manifest)
    if any(s.path in UNITS and s.changes for s in steps):
        steps.extend(_daemon_reload(root, dry_run))
    return steps


def _free_name(root, rel):
    if not os.path.lexists(_abs(root, rel)):
        return rel
    n = 1
    while os.path.exists(_abs(root, "%s.%d" % (rel, n))):
        n += 1
    return "%s.%d" % (rel, n)


def _makedirs(root, rel):
    """Create ``root/rel`` and return the relative dirs that did not exist."""
    created = []
    parts = rel.split(os.sep)
    for i in range(1, len(parts) + 1):
        sub = os.path.join(*parts[:i])
        if not os.path.isdir(_abs(root, sub)):
            os.mkdir(_abs(root, sub), 0o755)
            created.append(sub)
    return created


def _daemon_reload(root, dry_run):
    """``systemctl daemon-reload`` when we changed a unit drop-in of the running system."""
    if root != "/" or not os.path.isdir("/run/systemd/system") or not shutil.which("systemctl"):
        return [InstallStep("skip", "systemctl daemon-reload", "systemd is not running here")]
    if dry_run:
        return [InstallStep("reload", "systemctl daemon-reload")]
    r = subprocess.run(["systemctl", "daemon-reload"], capture_output=True, text=True)
    if r.returncode != 0:
        raise DependencyError("systemctl daemon-reload failed: %s" % (r.stderr.strip() or r.returncode))
    return [InstallStep("reload", "systemctl daemon-reload")]


def uninstall(root="/", dry_run=False):
    """Remove what :func:`install` recorded; returns the list of :class:`InstallStep`."""
    root = existing_root(root)
    manifest = load_manifest(root)
    steps = []
    dropin_changed = False
    for rel, entry in sorted(manifest["files"].items()):
        target = _abs(root, rel)
        have = file_digest(target) if os.path.lexists(target) else None
        backup = entry.get("backup")
        if have is None:
            steps.append(InstallStep("skip", rel, "already gone"))
        elif have != entry.get("sha256"):
            steps.append(InstallStep("keep", rel, "modified since f2btune installed it"))
            if not dry_run:
                del manifest["files"][rel]
            continue
        else:
            steps.append(InstallStep("remove", rel))
            dropin_changed = dropin_changed or rel in UNITS
            if not dry_run:
                os.unlink(target)
        if backup and os.path.exists(_abs(root, backup)):
            steps.append(InstallStep("restore", rel, "from %s" % backup))
            if not dry_run:
                os.replace(_abs(root, backup), target)
        if not dry_run:
            del manifest["files"][rel]
    if not dry_run:
        _prune_dirs(root, manifest["dirs"])
        manifest["dirs"] = [d for d in manifest["dirs"] if os.path.isdir(_abs(root, d))]
        save_manifest(root, manifest)
    if dropin_changed:
        steps.extend(_daemon_reload(root, dry_run))
    return steps
