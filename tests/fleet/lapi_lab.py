"""A real CrowdSec LAPI for tests: Debian's ``crowdsec`` in LAPI-only mode (``-no-cs -no-capi``),
SQLite, configuration and data in a temporary directory, no central API, optionally inside a
network namespace.  Machines and bouncers are created with ``cscli``.
"""
import os
import shutil
import subprocess
import time
import urllib.request

import pytest

from f2btune import netns

PROFILES = """name: default_ip_remediation
filters:
 - Alert.Remediation == true && Alert.GetScope() == "Ip"
decisions:
 - type: ban
   duration: 4h
on_success: break
"""


def skip_unless_installed():
    missing = [t for t in ("crowdsec", "cscli") if not shutil.which(t)]
    if missing:
        pytest.skip("CrowdSec LAPI tests need Debian's crowdsec package (missing %s; install it after "
                    "writing a placeholder /etc/crowdsec/online_api_credentials.yaml, see docs/fleet.md)"
                    % ", ".join(missing))


class Lapi(object):
    def __init__(self, tmp, listen="127.0.0.1:18019", ns=None):
        self.dir = os.path.join(tmp, "lapi")
        self.listen = listen
        self.ns = ns
        self.url = "http://%s/" % listen
        self.config = os.path.join(self.dir, "config.yaml")
        self.log = os.path.join(self.dir, "crowdsec.log")
        self.proc = None

    def write_config(self):
        d = self.dir
        for sub in ("data", "hub", "etc"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        with open(os.path.join(d, "etc", "profiles.yaml"), "w") as f:
            f.write(PROFILES)
        open(os.path.join(d, "etc", "simulation.yaml"), "w").write("simulation: false\n")
        with open(self.config, "w") as f:
            f.write("""common:
  daemonize: false
  log_media: stdout
  log_level: info
  working_dir: {d}
config_paths:
  config_dir: {d}/etc/
  data_dir: {d}/data/
  simulation_path: {d}/etc/simulation.yaml
  hub_dir: {d}/hub/
  index_path: {d}/hub/.index.json
  notification_dir: {d}/etc/notifications/
  plugin_dir: /usr/lib/crowdsec/plugins/
cscli:
  output: human
db_config:
  type: sqlite
  db_path: {d}/data/crowdsec.db
  use_wal: true
  log_level: warning
api:
  client:
    credentials_path: {d}/etc/local_api_credentials.yaml
  server:
    log_level: info
    listen_uri: {listen}
    profiles_path: {d}/etc/profiles.yaml
    trusted_ips:
      - 127.0.0.1
      - ::1
prometheus:
  enabled: false
""".format(d=d, listen=self.listen))

    def cscli(self, *args):
        p = subprocess.run(["cscli", "-c", self.config] + list(args), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True)
        if p.returncode:
            raise AssertionError("cscli %s: %s" % (" ".join(args), p.stdout))
        return p.stdout

    def add_machine(self, name, password):
        self.cscli("machines", "add", name, "--password", password, "--force",
                   "-f", os.path.join(self.dir, "etc", "creds-%s.yaml" % name))

    def add_bouncer(self, name, key):
        self.cscli("bouncers", "add", name, "-k", key)

    def start(self, timeout=60):
        log = open(self.log, "a")
        args = netns.exec_args(self.ns, ["crowdsec", "-c", self.config, "-no-cs", "-no-capi"])
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None:
                raise AssertionError("crowdsec LAPI exited (%s):\n%s" % (self.proc.returncode, self.tail()))
            if self.healthy():
                return self
            time.sleep(0.1)
        raise AssertionError("crowdsec LAPI not answering on %s after %ss:\n%s" % (self.url, timeout, self.tail()))

    def healthy(self):
        probe = ("import urllib.request,sys\ntry:\n urllib.request.urlopen(sys.argv[1], timeout=1)\n"
                 "except urllib.error.HTTPError:\n pass\n")
        if self.ns:
            return netns.run(self.ns, ["python3", "-c", probe, self.url + "v1/decisions"], check=False).returncode == 0
        try:
            urllib.request.urlopen(self.url + "v1/decisions", timeout=1)
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False
        return True

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def tail(self, n=30):
        try:
            with open(self.log) as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return "(no log)"
