"""Peers replayed on the same flood: Debian's sshguard and CrowdSec, with their firewalls left out.

sshguard runs as its own launcher would (``sshg-logtail FILE | sshg-parser | sshg-blocker``),
with the thresholds of the fail2ban jails (an attack scores 10: ``-a 10*maxretry``, ``-s
findtime``, ``-p bantime``).  Its firewall backend is this process: a backend is a program
reading ``block ADDR TYPE PREFIX`` commands on stdin, and the replay records each block's time
and applies nothing.  CPU, read bytes and peak RSS are those of the three processes.

What each peer cannot read: sshguard has no grammar for kernel LOG lines (a SYN flood gives it
nothing), nor for Apache error logs or the WP fail2ban plugin's lines.  CrowdSec: see
:mod:`.crowdsec`.
"""
import os
import subprocess
import threading
import time

from f2btune.errors import DependencyError
from f2btune.replay.due import seconds
from f2btune.replay.measure import measure, total_read

SSHGUARD_LIBEXEC = "/usr/libexec/sshguard"
PEERS = ("sshguard", "crowdsec")
# floods a peer reads without a caveat; the others are still replayed, with the note below
PEER_KINDS = {"sshguard": ("sshd",), "crowdsec": ()}
PEER_LIMITS = {
    "sshguard": "sshguard has no grammar for kernel LOG lines, Apache error logs or the WP fail2ban "
                "plugin's lines: it only bans in the sshd flood",
    "crowdsec": "CrowdSec 1.4.6's sshd parser reads program 'sshd' only, not OpenSSH 9.8's sshd-session "
                "(--sshd-tag sshd writes older wording); its iptables scenario (iptables-scan-multi_ports) "
                "bans port scans, not SYN floods to a few ports; its apache2 parser reads access logs, not "
                "the error log's auth failures; it has no WP fail2ban grammar; its scenarios keep their "
                "own thresholds",
}


class SshguardTarget(object):
    language = "C"

    def __init__(self, logpath, settings, writer):
        exe = os.path.join(SSHGUARD_LIBEXEC, "sshg-blocker")
        if not os.path.exists(exe):
            raise DependencyError("sshguard not found (apt-get install sshguard)")
        self.label, self.writer = "sshguard", writer
        self.blocks = 0
        tail = subprocess.Popen([os.path.join(SSHGUARD_LIBEXEC, "sshg-logtail"), logpath],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        parser = subprocess.Popen([os.path.join(SSHGUARD_LIBEXEC, "sshg-parser")], stdin=tail.stdout,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        blocker = subprocess.Popen([exe, "-a", str(10 * int(settings["maxretry"])),
                                    "-s", "%d" % seconds(settings["findtime"]),
                                    "-p", "%d" % seconds(settings["bantime"])],
                                   stdin=parser.stdout, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        tail.stdout.close()
        parser.stdout.close()
        self.procs = [tail, parser, blocker]
        self.thread = threading.Thread(target=self._backend, daemon=True)
        self.thread.start()
        self._wait_tail(logpath)

    def _wait_tail(self, logpath):
        """Until ``tail -F`` has the file open (it starts at its end, the file is empty)."""
        deadline = time.time() + 30
        pid = self.procs[0].pid
        while time.time() < deadline:
            try:
                if any(os.readlink("/proc/%d/fd/%s" % (pid, fd)) == logpath
                       for fd in os.listdir("/proc/%d/fd" % pid)):
                    return
            except OSError:
                pass
            if self.procs[0].poll() is not None:
                break
            time.sleep(0.02)
        self.close()
        raise DependencyError("sshguard's sshg-logtail did not open %s" % logpath)

    def _backend(self):
        """The null firewall: record each block, apply nothing."""
        for line in self.procs[2].stdout:
            parts = line.split()
            if len(parts) >= 2 and parts[0] == b"block":
                self.blocks += 1
                addr = self.writer.norm(parts[1].decode())
                self.writer.banned.setdefault(addr, time.time())

    def pids(self):
        return [p.pid for p in self.procs]

    def stats(self):
        return {"blocks": self.blocks}

    def read_bytes(self):
        return total_read(self.pids()[:1])

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)


def run_peer(peer, make_writer, kind, settings, workdir, settle_s=None, progress=None):
    """One peer run on a log file in ``workdir``; returns (row, lag samples)."""
    say = progress or (lambda msg: None)
    logpath = os.path.join(workdir, "flood.log")
    open(logpath, "w").close()
    writer = make_writer(logpath, int(settings["maxretry"]), None, findtime=seconds(settings["findtime"]))
    if peer == "crowdsec":
        from f2btune.replay.crowdsec import CrowdsecTarget, write_config
        config = write_config(workdir, logpath)
        say("crowdsec: starting the agent and local API (offline, private config)")
        target = CrowdsecTarget(workdir, config, writer)
    else:
        say("sshguard: starting sshg-logtail | sshg-parser | sshg-blocker (null firewall)")
        target = SshguardTarget(logpath, settings, writer)
    try:
        row, lag = measure(target, writer, settle_s=settle_s)
    finally:
        target.close()
    row.update({"profile": peer, "python": target.language, "peer": peer, "cpu_quota": None,
                "cgroup": None, "backend_stats": target.stats(), "thread_cpu_s": None})
    if kind not in PEER_KINDS[peer]:
        row["peer_note"] = PEER_LIMITS[peer]
    return row, lag
