"""The Debian package: build it (lintian clean), then install, config-test and purge it in an overlay.

The install test runs the real ``dpkg -i`` / ``dpkg --purge`` (maintainer scripts, triggers and
all) inside a private mount namespace whose /etc, /usr and /var are overlays on the machine's
own: the package meets the machine's real fail2ban, yet nothing it writes reaches the machine
or a test session running beside this one (the .venv's editable f2btune stays what it is).
Whatever is left in the overlays' upper layers after the purge is what the package left behind.
"""
import configparser
import os
import pathlib
import re
import shutil
import subprocess
import tempfile
import textwrap

import pytest

from f2btune import __version__
from f2btune.paths import snippet_files
from tests.conftest import ROOT


def _tool(name):
    if not shutil.which(name):
        pytest.skip("%s not installed (tools/bootstrap.sh installs it)" % name)


@pytest.fixture(scope="module")
def deb(tmp_path_factory):
    for tool in ("dpkg-buildpackage", "dh_python3", "help2man", "lintian"):
        _tool(tool)
    out = tmp_path_factory.mktemp("deb")
    r = subprocess.run(["sh", os.path.join(ROOT, "tools", "build-deb.sh"), "--out", str(out)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "lintian: no errors" in r.stdout
    path = out / ("fail2ban-f2btune_%s_all.deb" % __version__)
    assert path.is_file()
    return str(path)


def deb_field(deb, field):
    return subprocess.run(["dpkg-deb", "-f", deb, field], capture_output=True, text=True, check=True).stdout.strip()


def test_changelog_version_matches_package():
    r = subprocess.run(["dpkg-parsechangelog", "-S", "Version"], cwd=ROOT, capture_output=True, text=True)
    assert r.stdout.strip() == __version__


def test_relations(deb):
    depends = deb_field(deb, "Depends")
    for pkg in ("fail2ban", "python3-pyroute2", "ipset", "python3"):
        assert pkg in depends
    assert "pyperf" not in depends   # not packaged in bookworm
    assert deb_field(deb, "Recommends") == "python3-pyinotify, python3-systemd"
    assert deb_field(deb, "Suggests") == "crowdsec, crowdsec-firewall-bouncer, pypy3, sshguard"
    assert deb_field(deb, "Enhances") == "fail2ban"
    assert deb_field(deb, "Architecture") == "all"


def test_contents_and_conffiles(deb, tmp_path):
    subprocess.run(["dpkg-deb", "-R", deb, str(tmp_path / "x")], check=True)
    x = tmp_path / "x"
    conffiles = (x / "DEBIAN" / "conffiles").read_text().split()
    shipped = [rel for rel, _ in snippet_files()]
    assert sorted(conffiles) == sorted("/etc/fail2ban/" + rel for rel in shipped)
    for rel in shipped:
        assert (x / "etc/fail2ban" / rel).is_file() and (x / "usr/share/f2btune" / rel).is_file()
    for rel in ("usr/bin/f2btune", "usr/lib/python3/dist-packages/f2btune/__init__.py",
                "usr/lib/python3/dist-packages/f2btune/check/findings.py",
                "usr/share/man/man1/f2btune.1.gz", "usr/share/doc/fail2ban-f2btune/copyright",
                "usr/share/f2btune/systemd/fail2ban.service.d/f2btune.conf",
                "usr/share/f2btune/systemd/f2btune-fleet-pull.service",
                "usr/share/doc/fail2ban-f2btune/fleet-architecture.svg"):
        assert (x / rel).exists(), rel
    # the drop-in is shipped inert: nothing under the unit search path
    assert not (x / "usr/lib/systemd").exists() and not (x / "lib/systemd").exists()
    dropin = (x / "usr/share/f2btune/systemd/fail2ban.service.d/f2btune.conf").read_text()
    assert "ExecStart=/usr/bin/f2btune server" in dropin
    # every shipped jail is disabled
    for rel in shipped:
        if rel.startswith("jail.d/"):
            cp = configparser.RawConfigParser(strict=False, inline_comment_prefixes=(";", "#"))
            cp.read(str(x / "etc/fail2ban" / rel))
            assert cp.sections()
            for section in cp.sections():
                assert cp.get(section, "enabled", fallback="false").strip() == "false", section


def test_man_page_from_help(deb, tmp_path):
    subprocess.run(["dpkg-deb", "-x", deb, str(tmp_path)], check=True)
    page = subprocess.run("zcat %s" % (tmp_path / "usr/share/man/man1/f2btune.1.gz"), shell=True,
                          capture_output=True, text=True, check=True).stdout
    assert '.TH F2BTUNE "1"' in page and "f2btune " + __version__ in page
    from f2btune.cli import COMMANDS
    for command in COMMANDS:
        assert '.SS "f2btune %s"' % command in page


INSIDE = textwrap.dedent("""\
    set -eu
    T=$1; DEB=$2; OUT=$3; LOG=$4
    mount -t tmpfs f2btune-debtest "$T"
    for d in etc usr var; do
        mkdir -p "$T/$d.up" "$T/$d.work"
        mount -t overlay overlay -o "lowerdir=/$d,upperdir=$T/$d.up,workdir=$T/$d.work" "/$d"
    done
    export DEBIAN_FRONTEND=noninteractive
    dpkg -i "$DEB" > "$OUT/install.log" 2>&1
    dpkg-query -W -f='${Status}\\n${Conffiles}\\n' fail2ban-f2btune > "$OUT/status.txt"
    /usr/bin/f2btune --version > "$OUT/version.txt"
    cd / && /usr/bin/python3 -c 'import f2btune; print(f2btune.__file__)' > "$OUT/module.txt"
    printf '[sshd]\\nenabled = false\\n\\n[f2btune-synflood]\\nenabled = true\\nlogpath = %s\\n' "$LOG" \\
        > /etc/fail2ban/jail.d/zz-f2btune-test.local
    fail2ban-client -t > "$OUT/configtest.txt" 2>&1
    fail2ban-client -d > "$OUT/dump.txt" 2>&1
    rc=0; /usr/bin/f2btune check --json > "$OUT/check.json" 2> "$OUT/check.err" || rc=$?
    echo "$rc" > "$OUT/check.rc"
    rm /etc/fail2ban/jail.d/zz-f2btune-test.local
    dpkg --purge fail2ban-f2btune > "$OUT/purge.log" 2>&1
    cd "$T" && find etc.up usr.up var.up -mindepth 1 ! -type d -printf '%y %p\\n' > "$OUT/residue.txt"
    """)


def test_install_configtest_purge(deb):
    if os.geteuid() != 0:
        pytest.skip("needs root (mount namespace, dpkg)")
    _tool("unshare")
    host_status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", "fail2ban-f2btune"],
                                 capture_output=True, text=True).stdout
    before = sorted(os.listdir("/etc/fail2ban/jail.d"))
    # a base outside the overlaid trees (pytest's tmp_path could be under /var/tmp)
    base = pathlib.Path(tempfile.mkdtemp(prefix="f2btune-debtest-%d-" % os.getpid(), dir="/tmp"))
    try:
        t, out = base / "ovl", base / "out"
        t.mkdir()
        out.mkdir()
        log = base / "kern.log"
        log.write_text("")
        script = base / "inside.sh"
        script.write_text(INSIDE)
        local_deb = base / os.path.basename(deb)
        shutil.copyfile(deb, str(local_deb))
        # the packaged f2btune must be the one that runs: no venv, no PYTHONPATH
        env = dict((k, v) for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"))
        env["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin"
        r = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", str(script),
                            str(t), str(local_deb), str(out), str(log)], capture_output=True, text=True,
                           timeout=600, env=env)
        check_results(r, out)
    finally:
        shutil.rmtree(str(base), ignore_errors=True)
    # the machine itself never saw any of it
    assert subprocess.run(["dpkg-query", "-W", "-f=${Status}", "fail2ban-f2btune"],
                          capture_output=True, text=True).stdout == host_status
    assert sorted(os.listdir("/etc/fail2ban/jail.d")) == before


def check_results(r, out):
    logs = "".join("\n== %s\n%s" % (p.name, p.read_text()) for p in sorted(out.iterdir()))
    assert r.returncode == 0, r.stderr + logs
    # installed: conffiles registered, the command and the module come from the package
    status = (out / "status.txt").read_text()
    assert status.startswith("install ok installed")
    assert "/etc/fail2ban/jail.d/f2btune.conf" in status
    assert (out / "version.txt").read_text().strip() == "f2btune " + __version__
    assert (out / "module.txt").read_text().strip() == "/usr/lib/python3/dist-packages/f2btune/__init__.py"
    # fail2ban's own config test with f2btune's jail enabled
    assert "OK: configuration test is successful" in (out / "configtest.txt").read_text()
    assert "['add', 'f2btune-synflood', 'pyinotify']" in (out / "dump.txt").read_text()
    # the packaged f2btune check runs on the live config (exit 0 or 3, JSON report)
    assert (out / "check.rc").read_text().strip() in ("0", "3"), (out / "check.err").read_text()
    assert '"f2btune-synflood"' in (out / "check.json").read_text()
    # purged: no file left in /etc or /usr, nothing of ours in /var (dpkg's own database and log remain)
    residue = [line.split(" ", 1) for line in (out / "residue.txt").read_text().splitlines()]
    # a whiteout ("c") is a file of the machine the purge deleted: only stale byte-code of our own
    # action may go (postrm removes it; fail2ban writes it when it loads the action)
    deleted = [p for kind, p in residue if kind == "c"]
    assert all(re.match(r"etc\.up/fail2ban/action\.d/__pycache__/f2btune-ipset\.[\w-]+\.pyc$", p)
               for p in deleted), deleted
    left = [p for kind, p in residue if kind != "c"]
    assert not [p for p in left if not p.startswith("var.up/")], left
    assert not [p for p in left if "f2btune" in p], left
