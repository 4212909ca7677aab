"""Ban watcher, run inside the replay's network namespace: prints each address as it enters an ipset.

``python -m f2btune.replay.watcher INTERVAL`` lists every ipset of the namespace over netlink
(pyroute2) every INTERVAL seconds and prints ``<epoch> <address>`` (compressed form) for each
new member, flushed at once.  It ends when its stdin closes (the replay ended).
"""
import ipaddress
import select
import sys
import time


def members(ipset):
    out = set()
    for msg in ipset.list():
        adt = msg.get_attr("IPSET_ATTR_ADT")
        if not adt:
            continue
        for data in adt.get_attrs("IPSET_ATTR_DATA"):
            ipf = data.get_attr("IPSET_ATTR_IP_FROM")
            if ipf is None:
                continue
            a = ipf.get_attr("IPSET_ATTR_IPADDR_IPV4") or ipf.get_attr("IPSET_ATTR_IPADDR_IPV6")
            if a:
                out.add(a)
    return out


def main(argv):
    interval = float(argv[0]) if argv else 0.002
    from pyroute2.ipset import IPSet
    ipset = IPSet()
    seen = set()
    print("ready", flush=True)
    while True:
        try:
            now = members(ipset)
        except Exception:
            now = set()
        t = time.time()
        new = now - seen
        if new:
            sys.stdout.write("".join("%.6f %s\n" % (t, ipaddress.ip_address(a).compressed) for a in new))
            sys.stdout.flush()
            seen |= new
        r, _, _ = select.select([sys.stdin], [], [], interval)
        if r and not sys.stdin.buffer.read1(4096):
            return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
