#!/bin/sh
# Install what f2btune needs on Debian bookworm / Raspberry Pi OS, idempotently:
#  - Debian packages ($DEBS), only those missing, then a check that every one is installed;
#  - .venv from Debian's /usr/bin/python3 with --system-site-packages (so it sees Debian's fail2ban),
#    with the CPython pins of tools/pins.txt and f2btune installed editable;
#  - the PyPy pins of tools/pins.txt in .venv/pypy-lib (put on pypy3's PYTHONPATH by f2btune);
#  - proof: one tiny pyperf worker under each interpreter, as f2btune bench runs it.
# The stamp is written last: any failure (one line naming the interpreter and package) leaves
# no stamp, so the next run starts over.  Re-running with everything in place takes well under
# a second.
set -eu
cd "$(dirname "$0")/.."

# Debian packages, one list: add a package here.
DEBS="fail2ban pypy3 ipset iptables nftables rsyslog iproute2 procps
python3-pyinotify python3-systemd python3-pyroute2 python3-psutil python3-matplotlib
python3-venv python3-pip python3-setuptools systemd-journal-remote sshguard crowdsec
debhelper dh-python python3-all lintian fakeroot build-essential help2man"
APT_OPTS="-o DPkg::Lock::Timeout=600 -q"

missing_debs() {
    for p in $DEBS; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || printf ' %s' "$p"
    done
}

missing=$(missing_debs)
if [ -n "$missing" ]; then
    echo "bootstrap: installing Debian packages:$missing"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    # crowdsec's postinst registers with the central API unless credentials exist: offline here
    if echo "$missing" | grep -qw crowdsec && [ ! -e /etc/crowdsec/online_api_credentials.yaml ]; then
        $SUDO mkdir -p /etc/crowdsec
        echo "# no central API: f2btune runs crowdsec offline" | $SUDO tee /etc/crowdsec/online_api_credentials.yaml >/dev/null
    fi
    $SUDO apt-get $APT_OPTS update
    # shellcheck disable=SC2086
    $SUDO apt-get $APT_OPTS install -y --no-install-recommends $missing
    # sshguard and crowdsec are replay peers and test parts, run on demand: not host services
    for svc in sshguard crowdsec; do
        if echo "$missing" | grep -qw $svc && [ -d /run/systemd/system ]; then
            $SUDO systemctl disable --now $svc.service >/dev/null 2>&1 || true
        fi
    done
    missing=$(missing_debs)
    if [ -n "$missing" ]; then
        echo "bootstrap: Debian packages still missing after apt-get install:$missing" >&2
        exit 1
    fi
fi

stamp=.venv/.f2btune-bootstrap
want=$(cat setup.py tools/bootstrap.sh tools/pins.py tools/pins.txt | md5sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x .venv/bin/f2btune ]; then
    exit 0
fi
echo "bootstrap: preparing .venv"
rm -f "$stamp"
rm -rf .venv/pypy-lib
/usr/bin/python3 tools/pins.py install /usr/bin/pypy3 --target .venv/pypy-lib
[ -x .venv/bin/python ] || /usr/bin/python3 -m venv --system-site-packages .venv
/usr/bin/python3 tools/pins.py install .venv/bin/python
.venv/bin/python -m pip install -q --disable-pip-version-check --root-user-action=ignore \
    --no-deps --no-build-isolation -e . >/dev/null
.venv/bin/python tools/pins.py smoke .venv/bin/python /usr/bin/pypy3
echo "$want" > "$stamp"
