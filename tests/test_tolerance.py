"""f2btune/tolerance.py: the table the command prints (the socket side runs against real servers in
tests/action_d/test_f2btune_tolerance_server.py)."""
import time

from f2btune.tolerance import format_rows, socket_path


def test_rows_show_address_account_expiry_and_time_left():
    now = time.time()
    rows = format_rows([("192.0.2.10", "alice", now + 3725, now - 10), ("2001:db8:1:2::/64", "bob", now - 5, now)],
                       now)
    assert rows[0].split() == ["ADDRESS", "ACCOUNT", "EXPIRES", "LEFT"]
    assert rows[1].split()[:2] == ["192.0.2.10", "alice"] and rows[1].endswith("1h02m05s")
    assert time.strftime("%Y-%m-%d %H:%M", time.localtime(now + 3725)) in rows[1]
    assert rows[2].split()[:2] == ["2001:db8:1:2::/64", "bob"] and rows[2].endswith("0h00m00s")
    assert len(set(len(r.rsplit("  ", 1)[0]) for r in rows)) == 1      # aligned columns


def test_the_socket_comes_from_fail2ban_conf(tmp_path):
    (tmp_path / "fail2ban.conf").write_text("[Definition]\nsocket = /run/f2bt18-x.sock\n")
    assert socket_path(str(tmp_path)) == "/run/f2bt18-x.sock"
    assert socket_path(str(tmp_path / "none")) == "/var/run/fail2ban/fail2ban.sock"
