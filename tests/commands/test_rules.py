"""The `f2btune rules` command, through the real CLI."""
import os

import pytest

from f2btune import netns
from tests.conftest import run_cli


def test_prints_rules_for_both_backends():
    p = run_cli("rules", "--port", "22")
    assert p.returncode == 0, p.stderr
    assert "ip6tables -w -A F2BTUNE-X" in p.stdout and "tcp_syncookies" in p.stdout
    p = run_cli("rules", "--backend", "nft", "--in-kernel-ban", "300", "--no-advice")
    assert p.returncode == 0, p.stderr
    assert "table inet f2btune {" in p.stdout and "SYNPROXY" not in p.stdout


def test_verified_prints_handshake_rules():
    p = run_cli("rules", "--verified", "--backend", "nft", "--port", "22")
    assert p.returncode == 0, p.stderr
    assert 'log prefix "f2b-ver: "' in p.stdout and "ct status assured" in p.stdout
    assert "nf_conntrack_max" in p.stdout and "tcp_syncookies" in p.stdout


@pytest.mark.parametrize("args, message", [
    (["--rate", "fast"], "--rate must look like 20/second"),
    (["--netns", "x"], "--netns needs --apply"),
    (["--apply", "--netns", "f2bt-ban-no-such-ns"], "does not exist"),
    (["--in-kernel-ban", "0"], "--in-kernel-ban must be between"),
    (["--verified", "--in-kernel-ban", "60"], "cannot be combined with --verified"),
    (["--verified", "--verified-logprefix", "x" * 30], "--verified-logprefix must be 1-29"),
])
def test_bad_input_is_one_line_and_exit_2(args, message):
    p = run_cli("rules", *args)
    assert p.returncode == 2
    assert p.stderr.startswith("f2btune rules: error: ") and message in p.stderr
    assert "Traceback" not in p.stderr and p.stderr.count("\n") == 1


def test_apply_in_a_namespace_twice(as_root):
    with netns.Netns("f2bt-ban-cli%d" % os.getpid()) as ns:
        for _ in range(2):
            p = run_cli("rules", "--backend", "iptables", "--in-kernel-ban", "60", "--apply", "--netns", ns.name)
            assert p.returncode == 0, p.stderr
            assert "applied" in p.stdout
        assert ns.run(["iptables", "-S", "INPUT"]).stdout.count("-j F2BTUNE") == 1
        assert "f2btune-ban6" in ns.run(["ipset", "list", "-n"]).stdout
