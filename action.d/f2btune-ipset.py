# Fail2Ban action file: f2btune-ipset.py (part of f2btune, GPL-2.0-or-later)
#
# Bans into one ipset (hash:ip, with kernel timeouts) per address family, over netlink: no
# process is spawned per ban.  At start each family's set is created if missing and hooked into
# the firewall with ONE rule (iptables / ip6tables); at stop the rules are removed and the sets
# destroyed.  The code lives in the f2btune Python package (f2btune.ipsetaction, with the netlink
# layer in f2btune.kernel); this file only loads it.
#
# Usage in a jail (all parameters optional):
#
#   action = f2btune-ipset.py[port="ssh", protocol=tcp, blocktype=DROP, refresh=true]
#   banaction = f2btune-ipset.py          (the stock action_* shortcuts then work)
#
# Parameters (keyword arguments from the jail line):
#   name       set name stem; sets are f2bt-<name> and f2bt6-<name> (default: jail name)
#   port       ports to block, iptables multiport syntax ("22,80", "ssh", "1000:2000");
#              empty, "all", "any" or "0:65535" = every port (default: all)
#   protocol   tcp | udp | sctp | udplite | all (default: tcp; "all" also drops every port)
#   chain      iptables chain the hook goes to (default: INPUT)
#   blocktype  iptables target (default: DROP); a REJECT with an icmp-* type gets
#              the icmp6-* equivalent for IPv6
#   refresh    true | false (default false): a packet from a banned source re-arms its
#              kernel timeout (iptables SET --exist --timeout <refreshtime>), so an
#              attacker that keeps trying stays banned in the kernel; fail2ban's own
#              unban at expiry then leaves the entry to the kernel
#   refreshtime  seconds used by the refresh rule (default: the jail's bantime)
#   maxelem    maximum entries per set (default 65536)
#   checkinterval  seconds between two checks of sets, rules and entries (default 30)
#   iptables, ip6tables  binaries for the rules (default: found in PATH)
#
# Kernel timeout of an entry = the ban's REMAINING time (time + bantime - now, rounded up): a
# ban restored from fail2ban's database after a restart ends when fail2ban ends it.  bantime
# = -1 means no kernel timeout.  prolong() (bantime.increment) re-arms the entry with the longer
# ban.  Restored bans are added in batches (one netlink message per 1000 entries).
#
# What the action repairs by itself, and when.  Every checkinterval a checker thread compares
# the kernel with the bans fail2ban holds (one netlink request per set; a process only to
# repair rules) and fixes, within that interval:
#   - a firewall reload or flush (iptables -F, nft flush ruleset) that removed the hook rules:
#     seen from the set's reference count, the rules are re-inserted;
#   - a destroyed set (ipset destroy): re-created with its rules and refilled with every
#     current ban and its remaining time (a ban arriving before the check repairs at once);
#   - a flushed set or deleted entries (ipset flush / del): missing bans re-added;
#   - bans longer than ipset's timeout cap (2147483 s, ~24.8 days): re-armed shortly before
#     the kernel would drop them, until fail2ban's ban ends;
#   - a full set (maxelem): ONE error naming the set and maxelem; refused bans are queued and
#     applied as soon as there is room (at once after an unban, else at the next check);
#   - a family that cannot be set up (ip6tables failing, IPv6 disabled, no kernel support):
#     ONE error with the reason; its bans are kept and applied when it works, the other family
#     is enforced meanwhile.
# A leftover set of the same name with other settings (type, family, maxelem, no timeouts) is
# replaced when it is empty; if it holds entries it is left alone and one error names the fix
# (destroy it, or give the jail another name=).  After a crash (kill -9) of fail2ban-server the
# sets and rules stay in the kernel, so bans remain enforced; the restarted server re-uses them
# and re-arms every restored ban with its remaining time.
#
# Requirements: the f2btune Python package importable by the interpreter running
# fail2ban-server (the fail2ban-f2btune Debian package installs it), the ip_set / xt_set kernel
# modules, iptables / ip6tables (nft or legacy backend), root (CAP_NET_ADMIN).

try:
    from f2btune.ipsetaction.action import F2btuneIpset
except ImportError as e:
    if not (getattr(e, "name", None) or "").startswith("f2btune"):
        raise
    import sys
    raise ImportError(
        "f2btune-ipset.py needs the f2btune Python package, which %s (running fail2ban-server) "
        "cannot import: install the fail2ban-f2btune Debian package, or run fail2ban through "
        "'f2btune server', or put the f2btune source directory on fail2ban-server's PYTHONPATH"
        % sys.executable)

Action = F2btuneIpset
