"""The systemd drop-in is refused, with one line saying what to do, when its launcher or interpreter
does not exist or when it, or the f2btune package it imports, can be changed by a non-root user.

The root is a real, runnable system: a throw-away ROOT with Debian's /usr/bin, /usr/lib and
/usr/lib64 bind-mounted read-only (in a private mount namespace: nothing outlives the command),
f2btune installed in ROOT/usr/local as a root-owned package, and a copy of the stock config.
"""
import os
import shutil
import subprocess
import sys

import pytest

from f2btune import dropin
from f2btune.install import DROPIN
from tests.conftest import ROOT

NOBODY = 65534
PKG = "usr/local/lib/python3/dist-packages"   # on Debian python3's path, like pip's system installs
LAUNCHER = "#!/usr/bin/python3\nimport sys\nfrom f2btune.cli import main\nsys.exit(main())\n"


@pytest.fixture
def sysroot(as_root, tmp_path):
    r = tmp_path / "root"
    for d in ("usr/bin", "usr/lib", "usr/lib64", "usr/local/bin", "etc"):
        (r / d).mkdir(parents=True)
    for link in ("bin", "lib", "lib64"):
        os.symlink("usr/" + link, str(r / link))
    ver = "python%d.%d" % sys.version_info[:2]
    site = r / "usr/local/lib" / ver / "dist-packages"
    shutil.copytree(os.path.join(ROOT, "f2btune"), str(site / "f2btune"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree("/etc/fail2ban", str(r / "etc/fail2ban"))
    launcher = r / "usr/local/bin/f2btune"
    launcher.write_text(LAUNCHER)
    launcher.chmod(0o755)
    os.chmod(str(tmp_path), 0o755)
    return r


def install_in(root, *args):
    """``f2btune install --root ROOT --server-dropin ARGS`` with the host's /usr mounted read-only in ROOT."""
    mounts = "; ".join("mount --bind -o ro /%s %s/%s || exit 99" % (d, root, d)
                       for d in ("usr/bin", "usr/lib", "usr/lib64"))
    cmd = '%s; exec "$@"' % mounts
    return subprocess.run(["unshare", "-m", "sh", "-c", cmd, "sh", sys.executable, "-m", "f2btune",
                           "install", "--root", str(root), "--server-dropin"] + list(args),
                          capture_output=True, text=True, timeout=300, cwd=ROOT)


def refused(r, *words):
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 1 and len(lines) == 1, r.stdout + r.stderr
    assert lines[0].startswith("f2btune install: error: refusing the systemd drop-in: "), lines[0]
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


def nothing_written(root):
    return not os.path.exists(os.path.join(str(root), DROPIN)) and \
        not os.path.exists(os.path.join(str(root), "etc/fail2ban/jail.d/f2btune.conf"))


def test_a_safe_dropin_is_written_and_removed(sysroot):
    r = install_in(sysroot, "--python", "pypy3")
    assert r.returncode == 0, r.stderr
    text = (sysroot / DROPIN).read_text()
    assert "ExecStart=/usr/local/bin/f2btune server --python pypy3 -xf start" in text
    assert install_in(sysroot, "--python", "pypy3").stdout.endswith("done: 0 changes (already installed)\n")
    u = subprocess.run([sys.executable, "-m", "f2btune", "uninstall", "--root", str(sysroot)],
                       capture_output=True, text=True, cwd=ROOT)
    assert u.returncode == 0 and not (sysroot / DROPIN).exists()


def test_missing_launcher(sysroot):
    (sysroot / "usr/local/bin/f2btune").unlink()
    refused(install_in(sysroot), "launcher /usr/bin/f2btune does not exist in %s" % sysroot, "make deb")
    assert nothing_written(sysroot)


@pytest.mark.parametrize("python, words", [
    ("nosuch", ["the interpreter nosuch does not exist", "systemd's PATH", "--python"]),
    ("/opt/pypy3", ["the interpreter /opt/pypy3 does not exist"])])
def test_missing_interpreter(sysroot, python, words):
    refused(install_in(sysroot, "--python", python), *words)
    assert nothing_written(sysroot)


def test_interpreter_that_is_not_python(sysroot):
    r = install_in(sysroot, "--python", "/usr/bin/perl")
    assert r.returncode == 1 and "/usr/bin/perl is not a working Python" in r.stderr
    assert nothing_written(sysroot)


def test_launcher_a_user_can_write(sysroot):
    os.chown(str(sysroot / "usr/local/bin/f2btune"), NOBODY, -1)
    refused(install_in(sysroot), "launcher /usr/local/bin/f2btune: /usr/local/bin/f2btune is owned by uid 65534")
    os.chown(str(sysroot / "usr/local/bin/f2btune"), 0, -1)
    os.chmod(str(sysroot / "usr/local"), 0o777)
    refused(install_in(sysroot), "/usr/local is writable by every user")
    os.chmod(str(sysroot / "usr/local"), 0o775)
    os.chown(str(sysroot / "usr/local"), 0, NOBODY)
    refused(install_in(sysroot), "/usr/local is writable by group 65534")
    assert nothing_written(sysroot)


def test_interpreter_behind_a_link_into_a_user_directory(sysroot):
    home = sysroot / "home/user"
    home.mkdir(parents=True)
    os.chown(str(home), NOBODY, NOBODY)
    os.symlink("/usr/bin/pypy3", str(home / "pypy3"))
    os.symlink("../../../home/user/pypy3", str(sysroot / "usr/local/bin/pypy3"))
    refused(install_in(sysroot, "--python", "pypy3"), "/home/user is owned by uid 65534")


def test_package_a_user_can_write(sysroot):
    pkg = next((sysroot / "usr/local/lib").glob("python3*/dist-packages/f2btune"))
    os.chown(str(pkg / "cli.py"), NOBODY, -1)
    line = refused(install_in(sysroot), "the f2btune package", "cli.py is owned by uid 65534")
    assert str(sysroot) not in line.split("package ")[1].split(" ")[0]   # the path as seen inside ROOT
    assert nothing_written(sysroot)


def test_launcher_on_path_in_a_world_writable_directory(tmp_path):
    """On the running system (no --root) the launcher is the one on PATH, e.g. a venv in /tmp."""
    bindir = tmp_path / "venv" / "bin"
    bindir.mkdir(parents=True)
    (bindir / "f2btune").write_text(LAUNCHER)
    (bindir / "f2btune").chmod(0o755)
    env = dict(os.environ, PATH="%s:%s" % (bindir, os.environ["PATH"]))
    r = subprocess.run([sys.executable, "-m", "f2btune", "install", "--server-dropin", "--dry-run"],
                       capture_output=True, text=True, env=env, cwd=ROOT)
    if not os.path.isfile("/etc/fail2ban/jail.conf"):
        pytest.skip("no /etc/fail2ban")
    refused(r, "launcher %s/f2btune" % bindir, "is writable by every user")


def test_paths_resolve_inside_the_root(tmp_path):
    (tmp_path / "a").mkdir()
    os.symlink("/a", str(tmp_path / "abs"))
    os.symlink("a", str(tmp_path / "rel"))
    assert dropin.resolved(str(tmp_path), "/abs/x") == "/a/x"
    assert dropin.resolved(str(tmp_path), "/rel/x") == "/a/x"
    assert dropin.chain(str(tmp_path), "/abs") == ["/abs", "/a"]
    os.symlink("loop2", str(tmp_path / "loop1"))
    os.symlink("loop1", str(tmp_path / "loop2"))
    with pytest.raises(dropin.Refused):   # a loop of links: refused, never a hang
        dropin.check(str(tmp_path), "/loop1/f2btune")
