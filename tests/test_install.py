"""`f2btune install` / `uninstall` into a throwaway root holding a copy of Debian's stock config."""
import hashlib
import os
import shutil
import subprocess

import pytest

from f2btune import install as inst
from f2btune.errors import InputError
from f2btune.paths import snippet_files
from tests.conftest import run_cli

STOCK = "/etc/fail2ban"


def snapshot(root):
    """{relative path: sha256 or 'dir' or 'link'} of everything under root."""
    out = {}
    for d, dirs, files in os.walk(root):
        for name in dirs + files:
            p = os.path.join(d, name)
            rel = os.path.relpath(p, root)
            if os.path.islink(p):
                out[rel] = "link:" + os.readlink(p)
            elif os.path.isdir(p):
                out[rel] = "dir"
            else:
                with open(p, "rb") as f:
                    out[rel] = hashlib.sha256(f.read()).hexdigest()
    return out


@pytest.fixture
def root(tmp_path):
    """A root with Debian's stock fail2ban config, sshd left disabled (this machine has no auth.log)."""
    if not os.path.isfile(os.path.join(STOCK, "jail.conf")):
        pytest.skip("fail2ban's stock configuration is not installed in %s" % STOCK)
    r = tmp_path / "root"
    shutil.copytree(STOCK, str(r / "etc" / "fail2ban"), symlinks=True)
    for name in os.listdir(str(r / "etc" / "fail2ban" / "jail.d")):
        os.unlink(str(r / "etc" / "fail2ban" / "jail.d" / name))
    return str(r)


def config_test(confdir):
    return subprocess.run(["fail2ban-client", "-c", confdir, "-t"], capture_output=True, text=True, timeout=120)


def enable_synflood(root, tmp_path):
    log = tmp_path / "kern.log"
    log.write_text("")
    path = os.path.join(root, "etc/fail2ban/jail.d/zz-test.local")
    with open(path, "w") as f:
        f.write("[f2btune-synflood]\nenabled = true\nlogpath = %s\n" % log)
    return path


def test_install_config_test_second_run_uninstall(root, tmp_path):
    before = snapshot(root)
    r = run_cli("install", "--root", root)
    assert r.returncode == 0, r.stderr
    shipped = [rel for rel, _ in snippet_files()]
    for rel in shipped:
        assert "install   etc/fail2ban/" + rel in r.stdout
        assert os.path.isfile(os.path.join(root, "etc/fail2ban", rel))
    # fail2ban's own config test, with f2btune's jail enabled
    local = enable_synflood(root, tmp_path)
    t = config_test(os.path.join(root, "etc/fail2ban"))
    assert t.returncode == 0, t.stdout + t.stderr
    dump = subprocess.run(["fail2ban-client", "-c", os.path.join(root, "etc/fail2ban"), "-d"],
                          capture_output=True, text=True, timeout=120).stdout
    assert "['add', 'f2btune-synflood'," in dump
    # a second run changes nothing (same bytes, same mtimes)
    mid = snapshot(root)
    mtimes = dict((p, os.stat(os.path.join(root, p)).st_mtime_ns) for p in mid)
    r = run_cli("install", "--root", root)
    assert r.returncode == 0 and "0 changes (already installed)" in r.stdout
    assert snapshot(root) == mid
    assert mtimes == dict((p, os.stat(os.path.join(root, p)).st_mtime_ns) for p in mid)
    # uninstall removes exactly what install placed
    os.unlink(local)
    r = run_cli("uninstall", "--root", root)
    assert r.returncode == 0, r.stderr
    assert snapshot(root) == before


def test_dry_run_changes_nothing(root):
    before = snapshot(root)
    steps = inst.install(root, dry_run=True)
    assert steps and all(s.action == "install" for s in steps)
    assert snapshot(root) == before
    r = run_cli("install", "--root", root, "--dry-run")
    assert "would install" in r.stdout and snapshot(root) == before


def test_foreign_file_backed_up_and_restored(root):
    rel = next(rel for rel, _ in snippet_files() if rel.startswith("filter.d/"))
    target = os.path.join(root, "etc/fail2ban", rel)
    with open(target, "w") as f:
        f.write("# the admin's own older copy\n")
    before = snapshot(root)
    steps = inst.install(root)
    assert ("backup", "etc/fail2ban/" + rel) in [(s.action, s.path) for s in steps]
    with open(target + inst.BACKUP_SUFFIX) as f:
        assert f.read() == "# the admin's own older copy\n"
    inst.uninstall(root)
    assert snapshot(root) == before


def test_modified_after_install_is_kept(root):
    before = snapshot(root)
    inst.install(root)
    rel = next(rel for rel, _ in snippet_files() if rel.startswith("filter.d/"))
    target = os.path.join(root, "etc/fail2ban", rel)
    with open(target, "a") as f:
        f.write("# admin's edit\n")
    # a reinstall keeps a copy of the edited file before replacing it
    steps = inst.install(root)
    assert [s.action for s in steps if s.path.endswith(rel)] == ["backup", "update"]
    assert open(target + inst.BACKUP_SUFFIX).read().endswith("# admin's edit\n")
    # edit again: uninstall keeps the edited file and says so
    with open(target, "a") as f:
        f.write("# second edit\n")
    steps = inst.uninstall(root)
    assert ("keep", "etc/fail2ban/" + rel) in [(s.action, s.path) for s in steps]
    assert os.path.exists(target)
    os.unlink(target)
    os.unlink(target + inst.BACKUP_SUFFIX)
    assert snapshot(root) == before


def test_local_files_never_overwritten(root, tmp_path):
    """A .local in the source (an admin's override shipped beside ours) never replaces the admin's."""
    src = tmp_path / "src"
    for sub in ("filter.d", "action.d", "jail.d"):
        (src / sub).mkdir(parents=True)
    (src / "jail.d" / "f2btune.local").write_text("[f2btune-synflood]\nenabled = true\n")
    (src / "filter.d" / "t.conf").write_text("[Definition]\nfailregex = ^x <ADDR>$\n")
    admin = os.path.join(root, "etc/fail2ban/jail.d/f2btune.local")
    with open(admin, "w") as f:
        f.write("# admin\n")
    steps = inst.install(root, source=str(src))
    assert ("skip", "etc/fail2ban/jail.d/f2btune.local") in [(s.action, s.path) for s in steps]
    assert open(admin).read() == "# admin\n"
    inst.uninstall(root)
    assert open(admin).read() == "# admin\n"


def test_server_dropin_without_a_launcher_in_the_root_changes_nothing(root):
    # a root holding only fail2ban's config has no f2btune to start (tests/test_dropin.py: the rest)
    before = snapshot(root)
    with pytest.raises(InputError, match="launcher /usr/bin/f2btune does not exist in"):
        inst.install(root, server_dropin=True)
    assert snapshot(root) == before


def test_fleet_pull_unit(root):
    from f2btune.fleet.unit import unit_text
    before = snapshot(root)
    steps = inst.install(root, fleet_pull=True)
    path = os.path.join(root, inst.FLEET_UNIT)
    text = open(path).read()
    assert text == unit_text() and "fleet pull\n" in text and "Restart=always" in text
    assert ("skip", "systemctl daemon-reload") in [(s.action, s.path) for s in steps]
    assert all(s.action == "unchanged" for s in inst.install(root, fleet_pull=True))
    inst.uninstall(root)
    assert snapshot(root) == before


def test_debian_package_owns_snippets(root):
    info = os.path.join(root, "var/lib/dpkg/info")
    os.makedirs(info)
    open(os.path.join(info, "fail2ban-f2btune.list"), "w").close()
    before = snapshot(root)
    steps = inst.install(root)
    assert [s.action for s in steps] == ["skip"] and snapshot(root) == before


def test_needs_a_fail2ban_config(tmp_path):
    with pytest.raises(InputError, match="no fail2ban configuration"):
        inst.install(str(tmp_path))
    r = run_cli("install", "--root", str(tmp_path))
    assert r.returncode == 1 and r.stderr.startswith("f2btune install: error: no fail2ban configuration")
    assert "Traceback" not in r.stderr


def test_uninstall_without_manifest(tmp_path):   # the root exists: nothing to do, exit 0
    r = run_cli("uninstall", "--root", str(tmp_path))
    assert r.returncode == 0 and "nothing to do" in r.stdout
    assert os.listdir(str(tmp_path)) == []


@pytest.mark.parametrize("command", ["install", "uninstall"])
@pytest.mark.parametrize("kind, words", [("missing", "does not exist"), ("file", "is not a directory")])
def test_a_root_that_is_not_a_directory_is_a_runtime_error(tmp_path, command, kind, words):
    root = tmp_path / "root"
    if kind == "file":
        root.write_text("")
    with pytest.raises(InputError, match=words):
        getattr(inst, command)(str(root))
    for extra in ([], ["--dry-run"]):
        r = run_cli(command, "--root", str(root), *extra)
        assert r.returncode == 1 and r.stdout == ""
        assert r.stderr == "f2btune %s: error: root %s %s\n" % (command, root, words)
    assert sorted(os.listdir(str(tmp_path))) == (["root"] if kind == "file" else [])

