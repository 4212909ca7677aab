# SPDX-License-Identifier: GPL-2.0-or-later
"""ipset's netlink message format: command and attribute numbers, error codes, entry packing.

The numbers are those of the kernel's ``include/uapi/linux/netfilter/ipset/ip_set.h``.
"""
import socket
import struct

from f2btune.kernel import netlink as nl

TIMEOUT_MAX = 2147483            # ipset refuses longer timeouts (s); 0 = no timeout
MAXNAMELEN = 31
BATCH = 1000                     # entries per netlink message in add_many
PROTOCOL_MAX = 7

CMD_PROTOCOL, CMD_CREATE, CMD_DESTROY, CMD_FLUSH, CMD_RENAME, CMD_SWAP, CMD_LIST = 1, 2, 3, 4, 5, 6, 7
CMD_ADD, CMD_DEL, CMD_TYPE = 9, 10, 13
# attributes of a command, then of its data / entries
A_PROTOCOL, A_SETNAME, A_TYPENAME, A_REVISION, A_FAMILY, A_FLAGS, A_DATA, A_ADT, A_LINENO = range(1, 10)
A_SETNAME2 = A_TYPENAME
D_IP, D_CIDR, D_TIMEOUT, D_CADT_FLAGS = 1, 3, 6, 8
D_MAXELEM, D_ELEMENTS, D_REFERENCES = 19, 24, 25
IPADDR_V4, IPADDR_V6 = 1, 2
FLAG_NOMATCH = 1 << 2            # entry flag (hash:net): an exception inside a larger entry
FLAG_LIST_HEADER = 1 << 2        # LIST flag: the header only, no members
NFPROTO = {4: 2, 6: 10}
FAMILY_NAME = {4: "inet", 6: "inet6"}

ERR_FIND_TYPE, ERR_BUSY, ERR_EXIST = 4098, 4100, 4103
ERR_HASH_FULL = 4352


_ADDR_HEAD = {  # the nested IP attribute's two headers, per family (lengths are fixed)
    4: struct.pack("=HHHH", 12, D_IP | nl.NLA_F_NESTED, 8, IPADDR_V4 | nl.NLA_F_NET_BYTEORDER),
    6: struct.pack("=HHHH", 24, D_IP | nl.NLA_F_NESTED, 20, IPADDR_V6 | nl.NLA_F_NET_BYTEORDER)}
_TIMEOUT = struct.Struct(">I")
_TIMEOUT_HEAD = struct.pack("=HH", 8, D_TIMEOUT | nl.NLA_F_NET_BYTEORDER)
_DATA_HEAD = struct.Struct("=HH")


def pack_entry(entry, timeout=None, nomatch=False):
    """The DATA attribute of one entry: "ip" or "ip/cidr", optional timeout and nomatch."""
    addr, _, cidr = str(entry).partition("/")
    family = 6 if ":" in addr else 4
    try:
        data = _ADDR_HEAD[family] + socket.inet_pton(socket.AF_INET6 if family == 6 else socket.AF_INET, addr)
    except (OSError, ValueError):
        raise ValueError("not an IP address: %r" % (entry,))
    if cidr:
        data += nl.u8(D_CIDR, int(cidr))
    if timeout is not None:
        if not 0 <= timeout <= TIMEOUT_MAX:
            raise ValueError("ipset timeout %r out of range 0..%d" % (timeout, TIMEOUT_MAX))
        data += _TIMEOUT_HEAD + _TIMEOUT.pack(int(timeout))
    if nomatch:
        data += nl.be32(D_CADT_FLAGS, FLAG_NOMATCH)
    return _DATA_HEAD.pack(4 + len(data), A_DATA | nl.NLA_F_NESTED) + data


def parse_member(payload):
    """(entry text, timeout left or None, nomatch) of one listed entry."""
    addr = cidr = timeout = None
    flags = 0
    for atype, value in nl.parse(payload):
        if atype == D_IP:
            for kind, raw in nl.parse(value):
                addr = socket.inet_ntop(socket.AF_INET6 if kind == IPADDR_V6 else socket.AF_INET, raw)
        elif atype == D_CIDR:
            cidr = value[0]
        elif atype == D_TIMEOUT:
            timeout = nl.as_int(value)
        elif atype == D_CADT_FLAGS:
            flags = nl.as_int(value)
    if cidr is not None and cidr != (128 if ":" in addr else 32):
        addr = "%s/%d" % (addr, cidr)
    return addr, timeout, bool(flags & FLAG_NOMATCH)

