"""When fail2ban owes a ban: FailManager's arithmetic, so that the replay expects only the bans due.

fail2ban 1.0 keeps per address the first and last failure time and a retry count. A failure
at ``t`` later than the last one first rescales the count when the interval started more than
``findtime`` ago (``retry = round(retry / (t - first) * findtime)``, ``first = t - findtime``),
then adds one; the address is due when the count reaches ``maxretry``. An address whose last
failure is ``findtime`` old is dropped (fail2ban's cleanup does so at its next run; here at
once). Times are the log's: whole seconds for RFC 3164 syslog stamps.
"""


def seconds(value):
    """A fail2ban time value (``30``, ``10m``, ``1h 30m``) in seconds, by fail2ban's own parser."""
    from fail2ban.server.mytime import MyTime
    return float(MyTime.str2seconds(str(value)))


class DueRule(object):
    def __init__(self, maxretry, findtime, whole_seconds=False):
        self.maxretry = maxretry
        self.findtime = float(findtime)
        self.whole_seconds = whole_seconds
        self.entries = {}            # address -> [first, last, retry]

    def add(self, key, t, count=1):
        """Record ``count`` failures of ``key`` at epoch ``t``; True once the address is due."""
        if self.whole_seconds:
            t = float(int(t))
        find = self.findtime
        e = self.entries.get(key)
        if e is None or e[1] <= t - find:
            e = self.entries[key] = [t, t, 0]
        elif t > e[1]:
            if e[0] < t - find:
                e[2] = int(round(e[2] / (t - e[0]) * find))
                e[0] = t - find
            e[1] = t
        e[2] += count
        return e[2] >= self.maxretry
