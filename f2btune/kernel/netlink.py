# SPDX-License-Identifier: GPL-2.0-or-later
"""Netlink for the kernel's ipset subsystem: attribute packing and parsing, requests, dumps.

Standard library only (a raw ``AF_NETLINK`` socket), so it runs under CPython and PyPy
without pyroute2.  Numbers go in network byte order (``NLA_F_NET_BYTEORDER``), as ipset wants.
"""
import socket
import struct
import threading

NETLINK_NETFILTER = 12
NFNL_SUBSYS_IPSET = 6
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK, NLM_F_EXCL, NLM_F_DUMP = 0x1, 0x2, 0x4, 0x200, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLA_F_NESTED, NLA_F_NET_BYTEORDER = 0x8000, 0x4000
NLA_TYPE_MASK = 0x3fff
RCVBUF = 1 << 20           # socket buffer: room for the acks of a burst
RECV = 65536               # the kernel sends at most 32 KB per datagram

_HDR = struct.Struct("=IHHII")
_ATTR = struct.Struct("=HH")
_NFGEN = struct.Struct("=BBH").pack(socket.AF_INET, 0, 0)


def attr(atype, payload):
    n = 4 + len(payload)
    return _ATTR.pack(n, atype) + payload + b"\0" * ((4 - n % 4) % 4)


def nested(atype, payload):
    return attr(atype | NLA_F_NESTED, payload)


def u8(atype, value):
    return attr(atype, struct.pack("B", value))


def be32(atype, value):
    return attr(atype | NLA_F_NET_BYTEORDER, struct.pack(">I", value))


def string(atype, text):
    return attr(atype, text.encode() + b"\0")


def parse(buf, off=0, end=None):
    """[(type, payload)] of the attributes in ``buf[off:end]`` (flag bits stripped)."""
    end = len(buf) if end is None else end
    out = []
    while off + 4 <= end:
        n, atype = _ATTR.unpack_from(buf, off)
        if n < 4:
            break
        out.append((atype & NLA_TYPE_MASK, buf[off + 4:off + n]))
        off += (n + 3) & ~3
    return out


def as_int(payload):
    """An attribute's integer value (u8, or u32 in network byte order)."""
    if len(payload) == 1:
        return payload[0]
    return struct.unpack(">I", payload[:4])[0]


def as_str(payload):
    return payload.split(b"\0", 1)[0].decode("ascii", "replace")


class Socket(object):
    """One netfilter netlink socket; ``request`` and ``dump`` are serialised by a lock."""

    def __init__(self):
        self._sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
        try:
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
            self._sock.bind((0, 0))
        except OSError:
            self._sock.close()
            raise
        self._seq = 0
        self.lock = threading.Lock()

    def close(self):
        self._sock.close()

    def _send(self, cmd, attrs, flags):
        self._seq = (self._seq + 1) & 0x7fffffff
        body = _NFGEN + attrs
        self._sock.send(_HDR.pack(16 + len(body), (NFNL_SUBSYS_IPSET << 8) | cmd,
                                  NLM_F_REQUEST | flags, self._seq, 0) + body)
        return self._seq

    def _replies(self, seq):
        """Yield (type, message offset, length, datagram) of the replies to request ``seq``."""
        while True:
            buf = self._sock.recv(RECV)
            off = 0
            while off + 16 <= len(buf):
                length, mtype, _, mseq, _ = _HDR.unpack_from(buf, off)
                if mseq == seq:
                    yield mtype, off, length, buf
                off += max(16, (length + 3) & ~3)

    def request(self, cmd, attrs, flags=0):
        """Send one command, wait for its acknowledgement: 0 or the kernel's positive error code.

        A reply other than the ack (e.g. to PROTOCOL or TYPE) is returned as (0, [attrs]).
        """
        with self.lock:
            reply = None
            for mtype, off, length, buf in self._replies(self._send(cmd, attrs, flags | NLM_F_ACK)):
                if mtype == NLMSG_ERROR:
                    code = -struct.unpack_from("=i", buf, off + 16)[0]
                    return code if reply is None or code else (0, reply)
                if mtype != NLMSG_DONE:
                    reply = parse(buf, off + 20, off + length)

    def dump(self, cmd, attrs):
        """Send a dump request: (0, [[attrs] per message]) or (error code, partial list)."""
        with self.lock:
            messages = []
            for mtype, off, length, buf in self._replies(self._send(cmd, attrs, NLM_F_DUMP)):
                if mtype == NLMSG_DONE:
                    return 0, messages
                if mtype == NLMSG_ERROR:
                    code = -struct.unpack_from("=i", buf, off + 16)[0]
                    if code:
                        return code, messages
                else:
                    messages.append(parse(buf, off + 20, off + length))
