"""Ban watcher, run inside the replay's network namespace: prints each address as it enters an ipset.

``python -m f2btune.replay.watcher INTERVAL`` dumps every ipset of the namespace over
netlink every INTERVAL seconds and prints ``<epoch> <address>`` (compressed form) for each
new member, flushed at once.  It ends when its stdin closes (the replay ended).

The dump is parsed by hand (only the address attributes are read): pyroute2's generic
parser needs ~8 ms for a 250-entry set, which would steal the CPU the measured server needs.
"""
import os
import select
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_IPSET = 6
IPSET_CMD_LIST = 7
IPSET_PROTOCOL = 6
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
ATTR_PROTOCOL, ATTR_DATA, ATTR_ADT = 1, 7, 8
ATTR_IP, ATTR_IPV4, ATTR_IPV6 = 1, 1, 2
TYPE_MASK = 0x3fff
_HDR = struct.Struct("=IHHII")
_NLA = struct.Struct("=HH")


def _attrs(buf, start, end):
    """(type, payload start, payload end) of the netlink attributes in buf[start:end]."""
    while start + 4 <= end:
        length, typ = _NLA.unpack_from(buf, start)
        if length < 4:
            return
        yield typ & TYPE_MASK, start + 4, start + length
        start += (length + 3) & ~3


def parse_dump(buf, out):
    """Add the addresses of an IPSET_CMD_LIST dump chunk to ``out``; False once the dump is done."""
    pos, n = 0, len(buf)
    more = True
    while pos + 16 <= n:
        length, typ, flags, seq, pid = _HDR.unpack_from(buf, pos)
        if length < 16:
            break
        if typ == NLMSG_DONE:
            more = False
        elif typ == NLMSG_ERROR:
            err = struct.unpack_from("=i", buf, pos + 16)[0]
            if err:
                raise OSError(-err, os.strerror(-err))
            more = False
        else:
            for t, s, e in _attrs(buf, pos + 20, pos + length):        # after nfgenmsg
                if t != ATTR_ADT:
                    continue
                for t2, s2, e2 in _attrs(buf, s, e):
                    if t2 != ATTR_DATA:
                        continue
                    for t3, s3, e3 in _attrs(buf, s2, e2):
                        if t3 != ATTR_IP:
                            continue
                        for t4, s4, e4 in _attrs(buf, s3, e3):
                            if t4 == ATTR_IPV4 and e4 - s4 == 4:
                                out.add(socket.inet_ntop(socket.AF_INET, buf[s4:e4]))
                            elif t4 == ATTR_IPV6 and e4 - s4 == 16:
                                out.add(socket.inet_ntop(socket.AF_INET6, buf[s4:e4]))
        pos += (length + 3) & ~3
    return more


class IpsetLister(object):
    """All members of all ipsets of the current network namespace, over one netlink socket."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
        self.sock.bind((0, 0))
        self.seq = 0

    def members(self):
        self.seq += 1
        attr = _NLA.pack(5, ATTR_PROTOCOL) + struct.pack("=B", IPSET_PROTOCOL) + b"\0\0\0"
        body = struct.pack("=BBH", socket.AF_UNSPEC, 0, 0) + attr
        msg = _HDR.pack(16 + len(body), (NFNL_SUBSYS_IPSET << 8) | IPSET_CMD_LIST,
                        NLM_F_REQUEST | NLM_F_DUMP, self.seq, 0) + body
        self.sock.send(msg)
        out = set()
        while parse_dump(self.sock.recv(1 << 20), out):
            pass
        return out


def main(argv):
    interval = float(argv[0]) if argv else 0.002
    lister = IpsetLister()
    seen = set()
    print("ready", flush=True)
    while True:
        try:
            now = lister.members()
        except OSError:
            now = set()
        t = time.time()
        new = now - seen
        if new:
            sys.stdout.write("".join("%.6f %s\n" % (t, a) for a in new))
            sys.stdout.flush()
            seen |= new
        r, _, _ = select.select([sys.stdin], [], [], interval)
        if r and not os.read(sys.stdin.fileno(), 4096):
            return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
