"""The systemd unit of ``f2btune fleet pull`` (written by ``f2btune install --fleet-pull``)."""
import shutil

UNIT_PATH = "etc/systemd/system/f2btune-fleet-pull.service"


def unit_text(f2btune=None):
    exe = f2btune or shutil.which("f2btune") or "/usr/bin/f2btune"
    return (
        "# /%s - written by f2btune install --fleet-pull\n"
        "# Enforces the fleet's CrowdSec LAPI decisions in local ipsets; settings in\n"
        "# /etc/f2btune/fleet.conf (see docs/fleet.md).  Enable: systemctl enable --now f2btune-fleet-pull\n"
        "# Stopping keeps the sets and rules (entries expire by their kernel timeouts, a restart\n"
        "# re-syncs them); 'f2btune fleet pull --remove' removes them.\n"
        "[Unit]\n"
        "Description=f2btune fleet pull: enforce the fleet's CrowdSec decisions in ipsets\n"
        "Documentation=file:///usr/share/doc/fail2ban-f2btune/fleet.md\n"
        "Wants=network-online.target\n"
        "After=network-online.target fail2ban.service\n"
        "\n"
        "[Service]\n"
        "ExecStart=%s fleet pull\n"

        "Restart=always\n"
        "RestartSec=5\n"
        "\n"
        "[Install]\n"
        "WantedBy=multi-user.target\n" % (UNIT_PATH, exe)
    )
