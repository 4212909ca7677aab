#!/bin/sh
# Install what f2btune needs on Debian bookworm / Raspberry Pi OS, idempotently:
#  - Debian packages (fail2ban, pypy3, ipset, ...), only those missing;
#  - .venv from Debian's /usr/bin/python3 with --system-site-packages (so it sees Debian's fail2ban),
#    with f2btune installed editable plus pyperf and pytest;
#  - pyperf for pypy3 in .venv/pypy-lib (pure Python; PyPy workers get it on PYTHONPATH).
# Re-running with everything in place takes well under a second.
set -eu
cd "$(dirname "$0")/.."

DEBS="fail2ban pypy3 ipset iptables nftables rsyslog iproute2 procps
python3-pyinotify python3-systemd python3-pyroute2 python3-psutil python3-matplotlib
python3-venv python3-pip python3-setuptools systemd-journal-remote
debhelper dh-python python3-all lintian fakeroot build-essential help2man"

missing=""
for p in $DEBS; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "bootstrap: installing Debian packages:$missing"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends $missing
fi

# Optional: crowdsec (the LAPI the fleet tests run).  Its postinst registers with the central API
# unless credentials exist, so a placeholder keeps it offline.  A failure only skips those tests.
if ! dpkg-query -W -f='${Status}\n' crowdsec 2>/dev/null | grep -q 'install ok installed'; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    [ -e /etc/crowdsec/online_api_credentials.yaml ] || { $SUDO mkdir -p /etc/crowdsec &&
        echo '# offline: no central API' | $SUDO tee /etc/crowdsec/online_api_credentials.yaml >/dev/null; }
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends crowdsec ||
        echo "bootstrap: crowdsec not installed; the fleet tests will be skipped"
fi

stamp=.venv/.f2btune-bootstrap
want=$(cat setup.py tools/bootstrap.sh | md5sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x .venv/bin/f2btune ]; then
    exit 0
fi
echo "bootstrap: preparing .venv"
[ -x .venv/bin/python ] || /usr/bin/python3 -m venv --system-site-packages .venv
.venv/bin/python -m pip install -q --disable-pip-version-check "pyperf>=2.6" pytest
.venv/bin/python -m pip install -q --disable-pip-version-check --no-build-isolation -e .
rm -rf .venv/pypy-lib
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --target .venv/pypy-lib "pyperf>=2.6"
echo "$want" > "$stamp"
