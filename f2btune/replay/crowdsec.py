"""The CrowdSec peer: Debian's crowdsec (agent + local API in one process), offline, on the flood file.

A private configuration in the run's directory: no central API (no ``online_client``), no
Prometheus endpoint, an SQLite database, the local API on a free loopback port, and the
parsers and scenarios of the collections that read the floods (``crowdsecurity/linux``:
syslog-logs, dateparse-enrich, sshd-logs, ssh-bf, ssh-slow-bf; ``crowdsecurity/iptables``;
``crowdsecurity/apache2``'s parser and http-generic-bf) linked from the package's hub snapshot
(``cscli hub`` installs would need the network).  The machine is registered with ``cscli
machines add``; the flood file is read by the file acquisition (``type: syslog``), live, as
the daemon would read /var/log/auth.log.  Bans are the decisions appearing in the database
(polled every 20 ms, read-only, by the replay).  Each scenario has its own thresholds: the
replay's maxretry/findtime do not apply.

Limits, measured: crowdsec 1.4.6's sshd-logs parser reads only ``program == 'sshd'``, so OpenSSH
9.8's ``sshd-session`` lines give it nothing (``f2btune flood --sshd-tag sshd`` writes older
OpenSSH's wording); iptables-scan-multi_ports bans sources that probe many ports, not SYN
floods to a few.
"""
import os
import socket
import sqlite3
import subprocess
import threading
import time

from f2btune.errors import DependencyError

HUB = "/usr/share/crowdsec/hub"
PATTERNS = "/etc/crowdsec/patterns"
ITEMS = (
    "parsers/s00-raw/crowdsecurity/syslog-logs.yaml",
    "parsers/s01-parse/crowdsecurity/sshd-logs.yaml",
    "parsers/s01-parse/crowdsecurity/iptables-logs.yaml",
    "parsers/s01-parse/crowdsecurity/apache2-logs.yaml",
    "parsers/s02-enrich/crowdsecurity/dateparse-enrich.yaml",
    "parsers/s02-enrich/crowdsecurity/whitelists.yaml",
    "parsers/s02-enrich/crowdsecurity/http-logs.yaml",
    "scenarios/crowdsecurity/ssh-bf.yaml",
    "scenarios/crowdsecurity/ssh-slow-bf.yaml",
    "scenarios/crowdsecurity/iptables-scan-multi_ports.yaml",
    "scenarios/crowdsecurity/http-generic-bf.yaml",
)
CONFIG = """\
common:
  daemonize: false
  log_media: file
  log_level: info
  log_dir: {w}/log/
  working_dir: .
config_paths:
  config_dir: {w}/etc/
  data_dir: {w}/data/
  simulation_path: {w}/etc/simulation.yaml
  hub_dir: {w}/hub/
  index_path: {w}/hub/.index.json
  notification_dir: {w}/etc/notifications/
  plugin_dir: /usr/lib/crowdsec/plugins/
crowdsec_service:
  acquisition_path: {w}/etc/acquis.yaml
  parser_routines: 1
db_config:
  log_level: warning
  type: sqlite
  db_path: {w}/data/crowdsec.db
  use_wal: true
api:
  client:
    credentials_path: {w}/etc/local_api_credentials.yaml
  server:
    log_level: warning
    listen_uri: 127.0.0.1:{port}
    profiles_path: {profiles}
prometheus:
  enabled: false
"""


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def write_config(work, logpath):
    """The private configuration; returns the path of its config.yaml."""
    if not (os.path.exists("/usr/bin/crowdsec") and os.path.isdir(HUB)):
        raise DependencyError("crowdsec not found (apt-get install crowdsec)")
    for d in ("etc", "data", "log"):
        os.makedirs(os.path.join(work, d), exist_ok=True)
    os.symlink(HUB, os.path.join(work, "hub"))
    os.symlink(PATTERNS, os.path.join(work, "etc", "patterns"))
    for item in ITEMS:
        kind_dir, *stage, _, name = item.split("/")
        dest = os.path.join(work, "etc", kind_dir, *stage)
        os.makedirs(dest, exist_ok=True)
        os.symlink(os.path.join(HUB, item), os.path.join(dest, name))
    with open(os.path.join(work, "etc", "simulation.yaml"), "w") as f:
        f.write("simulation: off\n")
    with open(os.path.join(work, "etc", "acquis.yaml"), "w") as f:
        f.write("filenames:\n  - %s\nlabels:\n  type: syslog\n" % logpath)
    path = os.path.join(work, "config.yaml")
    with open(path, "w") as f:
        f.write(CONFIG.format(w=work, port=_free_port(), profiles="/etc/crowdsec/profiles.yaml"))
    r = subprocess.run(["cscli", "-c", path, "machines", "add", "-a", "--force",
                        "-f", os.path.join(work, "etc", "local_api_credentials.yaml")],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise DependencyError("cscli machines add failed: %s" % (r.stderr.strip()[-300:]))
    return path


class CrowdsecTarget(object):
    language = "Go"

    def __init__(self, work, config, writer):
        self.label, self.writer, self.work = "crowdsec", writer, work
        self.db = os.path.join(work, "data", "crowdsec.db")
        self.decisions = 0
        self.stop = threading.Event()
        self.proc = subprocess.Popen(["crowdsec", "-c", config], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, cwd=work)
        log = os.path.join(work, "log", "crowdsec.log")
        deadline = time.time() + 120
        while not self._log_says(log, "Starting processing data"):
            if self.proc.poll() is not None or time.time() > deadline:
                self.close()
                raise DependencyError("crowdsec did not start: %s" % self._tail(log))
            time.sleep(0.05)
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()

    @staticmethod
    def _log_says(log, text):
        try:
            with open(log, errors="replace") as f:
                return text in f.read()
        except OSError:
            return False

    @staticmethod
    def _tail(log):
        try:
            with open(log, errors="replace") as f:
                return f.read()[-400:].strip()
        except OSError:
            return "no log"

    def _poll(self):
        """Decisions as they appear in the local API's database (read-only)."""
        seen = set()
        while not self.stop.wait(0.02):
            try:
                con = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True, timeout=1)
                try:
                    rows = con.execute("SELECT value FROM decisions").fetchall()
                finally:
                    con.close()
            except sqlite3.Error:
                continue
            now = time.time()
            for (value,) in rows:
                if value not in seen:
                    seen.add(value)
                    self.decisions += 1
                    try:
                        self.writer.banned.setdefault(self.writer.norm(value), now)
                    except ValueError:
                        pass            # a range decision: not an address

    def pids(self):
        return [self.proc.pid]

    def stats(self):
        return {"decisions": self.decisions}

    def read_bytes(self):
        return None                     # rchar also counts its own local API traffic

    def close(self):
        self.stop.set()
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
