# SPDX-License-Identifier: GPL-2.0-or-later
"""Brute-force floods of authentication logs: sshd (OpenSSH 9.x), Apache auth, WordPress.

Attackers open sessions that interleave in the log, as concurrent connections do:

``sshd``         OpenSSH 9.8+ wording: the per-connection ``sshd-session[PID]`` writes ``Invalid
                 user``, PAM's ``authentication failure``, ``Failed password``, ``maximum
                 authentication attempts exceeded`` and the ``[preauth]`` disconnect lines; the
                 listener ``sshd[PID]`` writes PerSourcePenalties' ``drop connection`` lines.
                 With ``fold``, rsyslog's ``message repeated N times: [ ...]`` replaces the
                 second and later identical failures of a session.
``apache-auth``  Apache 2.4 error log (``[Mon Nov 30 21:00:01.123456 2026] [auth_basic:error]
                 [pid N:tid N] [client ADDR:PORT] AH01617/AH01618 ...``).
``wordpress``    the WP fail2ban plugin's syslog lines (``wordpress(site)[PID]: Authentication
                 failure for USER from ADDR``).

Unrelated lines (``src`` None): logins of the admin from the LAN, cron and logind sessions,
Apache notices.  ``FloodLine.fails`` is how many failures stock fail2ban's filter counts on the
line (PAM and disconnect lines carry the address but count none, as in fail2ban's sshd.conf; a
folded ``message repeated`` line counts none: stock filters don't read it, while f2btune-sshd
counts it once with a stock backend and N times with the f2btune backend).
"""
import random
import time

from f2btune.floodbase import DEFAULT_START, DST4, HOSTNAME, FloodLine, check_args, source_picker, stamp_3164

AUTH_KINDS = ("sshd", "apache-auth", "wordpress")
SSHD_TAGS = ("sshd-session", "sshd")
LAN_ADMIN = "192.168.1.10"
USERS = ("root", "admin", "ubuntu", "pi", "test", "user", "oracle", "postgres", "git", "ftpuser",
         "guest", "support", "deploy", "www-data", "minecraft")
INVALID = frozenset(("admin", "ubuntu", "test", "user", "oracle", "postgres", "git", "ftpuser",
                     "guest", "support", "deploy", "minecraft"))
URLS = ("/admin/", "/private/", "/nextcloud/", "/status", "/backup/", "/phpmyadmin/")
SITE = "example.org"


def stamp_apache(t):
    """Apache 2.4's error-log stamp, brackets included (33 characters)."""
    sec, usec = divmod(int(round(t * 1e6)), 1000000)
    lt = time.localtime(sec)
    return "[%s.%06d %s]" % (time.strftime("%a %b %d %H:%M:%S", lt), usec, time.strftime("%Y", lt))


class Session(object):
    """One attacking connection: its lines are produced one at a time by ``next_line``."""

    def __init__(self, kind, rng, src, pid, fold):
        self.kind, self.rng, self.src, self.pid, self.fold = kind, rng, src, pid, fold
        self.user = rng.choice(USERS)
        self.port = rng.randint(1024, 65535)
        self.tries = rng.randint(1, 6)          # sshd's MaxAuthTries is 6
        self.pending = list(self._script())

    def _script(self):
        """(message, fails) in the order the daemon writes them."""
        if self.kind == "sshd":
            return self._sshd()
        if self.kind == "apache-auth":
            return [self._apache() for _ in range(self.tries)]
        return [self._wordpress() for _ in range(self.tries)]

    def _sshd(self):
        u, a, p = self.user, self.src, self.port
        inv = u in INVALID
        who = ("invalid user %s" % u) if inv else u
        out = []
        if inv:
            out.append(("Invalid user %s from %s port %d" % (u, a, p), 1))
        failed = "Failed password for %s from %s port %d ssh2" % (who, a, p)
        for i in range(self.tries):
            if i == 0:
                out.append(("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh "
                            "ruser= rhost=%s%s" % (a, "" if inv else "  user=%s" % u), 0))
            if self.fold and i == 1:
                out.append(("message repeated %d times: [ %s]" % (self.tries - 1, failed), 0))
            elif not (self.fold and i > 1):
                out.append((failed, 1))
        state = "invalid" if inv else "authenticating"
        if self.tries == 6:
            out.append(("error: maximum authentication attempts exceeded for %s from %s port %d ssh2 "
                        "[preauth]" % (who, a, p), 1))
            out.append(("Disconnecting %s user %s %s port %d: Too many authentication failures "
                        "[preauth]" % (state, u, a, p), 0))
        elif self.rng.random() < 0.5:
            out.append(("Received disconnect from %s port %d:11: Bye Bye [preauth]" % (a, p), 0))
            out.append(("Disconnected from %s user %s %s port %d [preauth]" % (state, u, a, p), 0))
        else:
            out.append(("Connection closed by %s user %s %s port %d [preauth]" % (state, u, a, p), 0))
        return out

    def _apache(self):
        url = self.rng.choice(URLS)
        if self.user in INVALID:
            return ("AH01618: user %s not found: %s" % (self.user, url), 1)
        return ('AH01617: user %s: authentication failure for "%s": Password Mismatch' % (self.user, url), 1)

    def _wordpress(self):
        r = self.rng.random()
        if r < 0.6:
            if self.user in INVALID:
                return ("Authentication attempt for unknown user %s from %s" % (self.user, self.src), 1)
            return ("Authentication failure for %s from %s" % (self.user, self.src), 1)
        if r < 0.8:
            return ("XML-RPC multicall authentication failure from %s" % self.src, 1)
        return ("Blocked user enumeration attempt from %s" % self.src, 1)

    def next_line(self):
        msg, fails = self.pending.pop(0)
        return msg, fails


def _frame(kind, t, pid, msg, src=None, tag=None, level="auth_basic:error", sshd_tag="sshd-session"):
    """The full log line for a message of ``kind`` at epoch ``t``."""
    if kind == "apache-auth":
        client = " [client %s:%d]" % (src, pid % 50000 + 10000) if src else ""
        return "%s [%s] [pid %d:tid %d]%s %s" % (stamp_apache(t), level, pid, pid + 3, client, msg)
    if tag is None:
        tag = sshd_tag if kind == "sshd" else "wordpress(%s)" % SITE
    return "%s %s %s[%d]: %s" % (stamp_3164(t), HOSTNAME, tag, pid, msg)


_SSHD_NOISE = (
    ("sshd-session", "Accepted publickey for pi from %s port %%d ssh2: ED25519 SHA256:"
                     "q5yY0fZb3cXl2Yp3m4ZC2S3o7PnV0q9rG2kq1U7n2Ys" % LAN_ADMIN),
    ("sshd-session", "pam_unix(sshd:session): session opened for user pi(uid=1000) by pi(uid=0)"),
    ("sshd-session", "Received disconnect from %s port %%d:11: disconnected by user" % LAN_ADMIN),
    ("sshd-session", "pam_unix(sshd:session): session closed for user pi"),
    ("systemd-logind", "New session %d of user pi."),
    ("CRON", "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)"),
    ("sshd", "Server listening on 0.0.0.0 port 22."),
)
_APACHE_NOISE = (
    ("mpm_event:notice", "AH00489: Apache/2.4.62 (Debian) configured -- resuming normal operations"),
    ("core:notice", "AH00094: Command line: '/usr/sbin/apache2'"),
    ("ssl:warn", "AH01909: www.%s:443:0 server certificate does NOT include an ID which matches "
                 "the server name" % SITE),
    ("mpm_event:notice", "AH00493: SIGUSR1 received.  Doing graceful restart"),
)
_WP_NOISE = (
    ("wordpress(%s)" % SITE, "Accepted password for editor from %s" % LAN_ADMIN),
    ("CRON", "pam_unix(cron:session): session opened for user www-data(uid=33) by (uid=0)"),
    ("CRON", "pam_unix(cron:session): session closed for user www-data"),
)


def _noise(kind, rng, t, pid, sshd_tag):
    if kind == "apache-auth":
        level, msg = rng.choice(_APACHE_NOISE)
        return _frame(kind, t, pid, msg, level=level)
    tag, msg = rng.choice(_SSHD_NOISE if kind == "sshd" else _WP_NOISE)
    if tag == "sshd-session":
        tag = sshd_tag
    if "%d" in msg:
        msg = msg % rng.randint(1024, 65535)
    return _frame(kind, t, pid, msg, tag=tag)


def iter_auth_lines(kind, lines, sources=250, rate=40.0, ipv6=0.1, noise=0.1, seed=1, start=None,
                    fold=False, concurrent=8, sshd_tag="sshd-session"):
    """Yield ``lines`` FloodLine records of an authentication flood of ``kind`` (see the module doc).

    Up to ``concurrent`` attacking sessions are open at a time and their lines interleave.
    ``sshd_tag`` ``sshd`` writes OpenSSH < 9.8's wording (one ``sshd[PID]`` program for all).
    """
    if sshd_tag not in SSHD_TAGS:
        raise ValueError("sshd_tag must be one of %s" % ", ".join(SSHD_TAGS))
    if kind not in AUTH_KINDS:
        raise ValueError("kind must be one of %s" % ", ".join(AUTH_KINDS))
    check_args(lines, sources, rate, "syslog", ipv6, noise)
    rng = random.Random("f2btune-%s-flood:%s" % (kind, seed))
    pick = source_picker(rng, sources, ipv6)
    t = DEFAULT_START if start is None else float(start)
    pid = 4000 + rng.randint(0, 20000)
    listener = 612
    open_sessions = []
    for i in range(lines):
        if i:
            t += rng.expovariate(rate)
        pid += rng.randint(1, 7)
        if rng.random() < noise:
            yield FloodLine(t, None, _noise(kind, rng, t, pid, sshd_tag), 0)
            continue
        if kind == "sshd" and open_sessions and rng.random() < 0.03:
            s = rng.choice(open_sessions)
            msg = "drop connection #%d from [%s]:%d on [%s]:22 penalty: failed authentication" % (
                rng.randint(0, 9), s.src, rng.randint(1024, 65535), DST4)
            yield FloodLine(t, s.src, _frame(kind, t, listener, msg, tag="sshd"), 0)
            continue
        if len(open_sessions) < concurrent and (not open_sessions or rng.random() < 0.3):
            open_sessions.append(Session(kind, rng, pick(), pid, fold))
        s = rng.choice(open_sessions)
        msg, fails = s.next_line()
        if not s.pending:
            open_sessions.remove(s)
        yield FloodLine(t, s.src, _frame(kind, t, s.pid, msg, src=s.src, sshd_tag=sshd_tag), fails)
