"""Is the systemd drop-in that starts fail2ban through ``f2btune server`` safe to write?

With the drop-in, root's fail2ban runs its launcher (``ExecStart=LAUNCHER server ...``), the
interpreter of the launcher's ``#!`` line, the ``--python`` interpreter it names and the f2btune
package those import.  :func:`check` refuses the drop-in (one line saying what to do) when one of
them does not exist, or when it, or a directory above it, is one a non-root user can write:
such a user could then run code as root.  Paths are checked as they will be inside ``root``
(symbolic links resolved inside it); programs inside another root run through ``chroot``.
"""
import os
import stat
import subprocess

from f2btune.errors import InputError

# the PATH systemd gives services: where `--python NAME` is looked up when fail2ban starts
SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
FIX_LAUNCHER = ("install f2btune where only root can write (the Debian package: make deb; or pip install "
                "as root into a root-owned prefix), put its f2btune first on PATH and run install again")
_PACKAGE = "import os, f2btune; print(os.path.dirname(os.path.realpath(f2btune.__file__)))"


class Refused(InputError):
    def __init__(self, why, fix):
        InputError.__init__(self, "refusing the systemd drop-in: %s; %s" % (why, fix))


def inside(root, path):
    """Host path of ``path`` as seen inside ``root``."""
    return path if root == "/" else os.path.join(root, path.lstrip("/"))


def chain(root, path, hops=40):
    """Every path (inside ``root``) that ``path`` goes through: itself, then each symlink target."""
    out = [os.path.normpath(path)]
    while hops and os.path.islink(inside(root, out[-1])):
        target = os.path.join(os.path.dirname(out[-1]), os.readlink(inside(root, out[-1])))
        out.append(os.path.join(resolved(root, os.path.dirname(target)), os.path.basename(target)))
        hops -= 1
    return out


def resolved(root, path):
    """``path`` with every symbolic link (of it and of its directories) resolved inside ``root``."""
    real = "/"
    for part in os.path.normpath(path).strip("/").split("/"):
        if part:
            real = chain(root, os.path.join(real, part))[-1]
    return real


def writable_by_others(root, path):
    """Why a non-root user can change ``path`` (it or a directory above it, inside ``root``), or None."""
    p = os.path.normpath(path)
    while True:
        st = os.lstat(inside(root, p))
        link = stat.S_ISLNK(st.st_mode)
        if st.st_uid != 0:
            return "%s is owned by uid %d" % (p, st.st_uid)
        if not link and st.st_mode & stat.S_IWOTH:
            return "%s is writable by every user" % p
        if not link and st.st_mode & stat.S_IWGRP and st.st_gid != 0:
            return "%s is writable by group %d" % (p, st.st_gid)
        if p == "/":
            return None
        p = os.path.dirname(p)


def find_program(root, name, what, fix):
    """Absolute path (inside ``root``) of an existing executable ``name`` (a path, or a name on
    systemd's PATH); Refused otherwise."""
    if "/" in name:
        candidates = [name if name.startswith("/") else os.path.abspath(name)]
    else:
        candidates = [os.path.join(d, name) for d in SYSTEMD_PATH.split(":")]
    for path in candidates:
        host = inside(root, resolved(root, path))
        if os.path.isfile(host) and os.access(host, os.X_OK):
            return path
    where = " in %s" % root if root != "/" else ""
    raise Refused("%s %s does not exist%s%s" % (what, name, where,
                                               "" if "/" in name else " (systemd's PATH %s)" % SYSTEMD_PATH), fix)


def shebang(root, launcher):
    """The interpreter of the launcher's ``#!`` line, or None (a binary launcher)."""
    with open(inside(root, resolved(root, launcher)), "rb") as f:
        first = f.readline(4096)
    if not first.startswith(b"#!"):
        return None
    words = first[2:].decode("utf-8", "replace").split()
    if len(words) > 1 and os.path.basename(words[0]) == "env":
        return words[1]   # #!/usr/bin/env python3: looked up on PATH
    return words[0] if words else None


def launcher(root):
    """The f2btune command a drop-in for ``root`` names: this PATH's on the running system, else the
    first on systemd's PATH inside ``root`` (the Debian package's /usr/bin/f2btune when there is none)."""
    import shutil
    if root == "/" and shutil.which("f2btune"):
        return os.path.abspath(shutil.which("f2btune"))
    for d in SYSTEMD_PATH.split(":"):
        if os.path.isfile(inside(root, os.path.join(d, "f2btune"))):
            return os.path.join(d, "f2btune")
    return "/usr/bin/f2btune"


def ensure_safe(root, path, what):
    for p in chain(root, path) + [resolved(root, path)]:
        why = writable_by_others(root, p)
        if why:
            raise Refused("%s %s: %s" % (what, path, why), FIX_LAUNCHER)


def run_inside(root, argv):
    """argv run as it will run inside ``root`` (no PYTHONPATH, systemd's PATH)."""
    cmd = list(argv) if root == "/" else ["chroot", root] + list(argv)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd="/",
                          env={"PATH": SYSTEMD_PATH, "LC_ALL": "C.UTF-8"}, stdin=subprocess.DEVNULL)


def package_of(root, python, launcher):
    """Directory (inside ``root``) of the f2btune package that ``python`` imports."""
    try:
        p = run_inside(root, [python, "-c", _PACKAGE])
    except (OSError, subprocess.SubprocessError) as e:
        p = None
        why = str(e)
    if p is None or p.returncode != 0 or not p.stdout.strip().startswith("/"):
        if p is not None:
            lines = [line for line in p.stderr.splitlines() if line.strip()]
            why = lines[-1].strip() if lines else "exit status %d" % p.returncode
        raise Refused("cannot tell which f2btune package %s imports (%s: %s)" % (launcher, python, why),
                      FIX_LAUNCHER)
    return p.stdout.strip().splitlines()[-1]


def ensure_package_safe(root, pkg):
    """The package directory, the directories above it and everything in it: root's alone."""
    paths = [pkg]
    for d, dirs, files in os.walk(inside(root, pkg)):
        rel = os.path.normpath(os.path.join(pkg, os.path.relpath(d, inside(root, pkg))))
        paths.extend(os.path.join(rel, n) for n in dirs + files)
    for p in paths:
        why = writable_by_others(root, p)
        if why:
            raise Refused("the f2btune package %s can be changed by a non-root user: %s" % (pkg, why),
                          FIX_LAUNCHER)


def check(root, launcher, python=None):
    """Refuse (raise :class:`Refused`) a drop-in running ``LAUNCHER server [--python PYTHON]``
    that would not start, or would run code a non-root user can change; returns the f2btune package."""
    try:
        return _check(os.path.abspath(root), launcher, python)
    except (OSError, RecursionError) as e:   # a path that vanished, a loop of symbolic links
        raise Refused("cannot examine %s (%s)" % (getattr(e, "filename", None) or launcher,
                                                  getattr(e, "strerror", None) or e), FIX_LAUNCHER)


def _check(root, launcher, python):
    from f2btune.interpreter import version_of
    launcher = find_program(root, launcher, "its launcher", FIX_LAUNCHER)
    interp = shebang(root, launcher)
    if interp:
        interp = find_program(root, interp, "the interpreter of %s," % launcher, FIX_LAUNCHER)
    fix_python = "give --python an interpreter installed for root, e.g. --python /usr/bin/pypy3"
    py = find_program(root, python, "the interpreter", fix_python) if python else None
    ensure_safe(root, launcher, "its launcher")
    for path in filter(None, (interp, py)):
        ensure_safe(root, path, "the interpreter")
    for path in filter(None, (interp, py)):
        version_of(run_argv(root, path), path)
    if not interp:
        raise Refused("cannot tell which f2btune package %s imports (no #! line)" % launcher, FIX_LAUNCHER)
    pkg = package_of(root, interp, launcher)
    ensure_package_safe(root, pkg)
    return pkg


def run_argv(root, path):
    return [path] if root == "/" else ["chroot", root, path]
