# SPDX-License-Identifier: GPL-2.0-or-later
"""ipset over netlink: sets of type hash:ip / hash:net with kernel timeouts, no process per call.

``Ipset`` creates and checks sets (``ensure`` reports a same-named set with other settings),
adds entries (one, or a batch per netlink message as ``ipset restore`` does) with a timeout and
optionally the ``nomatch`` flag, deletes, lists members with their remaining timeouts, flushes,
destroys, swaps and renames.  Every failure raises ``IpsetError`` with a one-line reason.
Used by the fail2ban action ``action.d/f2btune-ipset.py`` and by f2btune's commands.
"""
import collections
import errno
import os
import struct
import threading

from f2btune.kernel import netlink as nl
from f2btune.kernel.ipsetwire import (
    A_ADT, A_DATA, A_FAMILY, A_FLAGS, A_LINENO, A_PROTOCOL, A_REVISION, A_SETNAME, A_SETNAME2, A_TYPENAME,
    BATCH, CMD_ADD, CMD_CREATE, CMD_DEL, CMD_DESTROY, CMD_FLUSH, CMD_LIST, CMD_PROTOCOL, CMD_RENAME,
    CMD_SWAP, CMD_TYPE, D_ELEMENTS, D_MAXELEM, D_REFERENCES, D_TIMEOUT, ERR_BUSY, ERR_EXIST, ERR_FIND_TYPE,
    ERR_HASH_FULL, FAMILY_NAME, FLAG_LIST_HEADER, MAXNAMELEN, NFPROTO, PROTOCOL_MAX, TIMEOUT_MAX,
    pack_entry, parse_member)

__all__ = ("TIMEOUT_MAX", "MAXNAMELEN", "BATCH", "SetSpec", "SetInfo", "Member", "IpsetError",
           "SetMismatch", "Ipset", "describe", "reason", "matches", "entry_family")

SetSpec = collections.namedtuple("SetSpec", "stype family maxelem")
SetInfo = collections.namedtuple("SetInfo", "name stype family timeout maxelem references elements")
Member = collections.namedtuple("Member", "timeout nomatch")


class IpsetError(Exception):
    """The kernel refused an ipset operation; ``str()`` says why in one line."""

    def __init__(self, message, code=None, setname=None):
        Exception.__init__(self, message)
        self.code = code
        self.setname = setname

    @property
    def gone(self):
        return self.code == errno.ENOENT

    @property
    def full(self):
        return self.code == ERR_HASH_FULL


class SetMismatch(IpsetError):
    """A set of that name exists with other settings than wanted."""

    def __init__(self, info, wanted):
        IpsetError.__init__(self, "ipset %s exists as %s, not %s" % (
            info.name, describe(info), describe(wanted)), errno.EEXIST, info.name)
        self.info = info
        self.wanted = wanted


def describe(s):
    """``hash:ip family inet maxelem 65536 timeout`` for a SetSpec or SetInfo."""
    timeout = getattr(s, "timeout", 0)
    return "%s family %s maxelem %d%s" % (s.stype, FAMILY_NAME.get(s.family, s.family), s.maxelem,
                                          " without timeout" if timeout is None else " timeout")


def reason(code, setname=None):
    """One-line reason for a kernel error code."""
    if code == ERR_HASH_FULL:
        return "ipset %s is full (maxelem reached)" % setname
    if code in (errno.EPERM, errno.EACCES):
        return "not permitted (needs root / CAP_NET_ADMIN)"
    if code == errno.ENOENT:
        return "ipset %s does not exist" % setname
    if code in (errno.EPROTONOSUPPORT, ERR_FIND_TYPE):
        return "ipset kernel support missing (modules ip_set, ip_set_hash_ip, ip_set_hash_net)"
    if code == ERR_BUSY:
        return "ipset %s is in use by a firewall rule" % setname
    if code and code < 4096:
        return os.strerror(code)
    return "ipset error %s" % code


def entry_family(entry):
    return 6 if ":" in entry else 4



class Ipset(object):
    """The ipset subsystem of the current network namespace (thread-safe; socket opened lazily)."""

    def __init__(self):
        self._nl = None
        self._proto = None
        self._open = threading.Lock()
        self._names = {}
        self._revisions = {}

    def close(self):
        if self._nl is not None:
            self._nl.close()
            self._nl = None

    def _sock(self):
        if self._nl is None:
            with self._open:
                if self._nl is None:
                    self._connect()
        return self._nl

    def _connect(self):
        try:
            sock = nl.Socket()
            reply = sock.request(CMD_PROTOCOL, nl.u8(A_PROTOCOL, PROTOCOL_MAX))
        except OSError as e:
            raise IpsetError("cannot open the ipset netlink socket: %s" % reason(e.errno), e.errno)
        if not isinstance(reply, tuple):
            sock.close()
            raise IpsetError("ipset netlink: %s" % reason(reply), reply)
        version = dict(reply[1]).get(A_PROTOCOL, bytes([PROTOCOL_MAX]))
        self._proto = nl.u8(A_PROTOCOL, min(PROTOCOL_MAX, nl.as_int(version)))
        self._nl = sock

    def _name(self, setname):
        attr = self._names.get(setname)
        if attr is None:
            if not setname or len(setname) > MAXNAMELEN:
                raise ValueError("bad ipset name %r" % (setname,))
            attr = self._names[setname] = nl.string(A_SETNAME, setname)
        return attr

    def _call(self, cmd, setname, attrs=b"", flags=0, what=None):
        sock = self._sock()
        code = sock.request(cmd, self._proto + self._name(setname) + attrs, flags)
        if isinstance(code, tuple):
            code = 0
        if code:
            raise IpsetError("%s%s" % (what + ": " if what else "", reason(code, setname)), code, setname)

    # -- sets ----------------------------------------------------------------------------------

    def info(self, setname):
        """SetInfo of ``setname`` (timeout None = no timeout support), or None if absent."""
        sock = self._sock()
        code, messages = sock.dump(CMD_LIST, self._proto + self._name(setname)
                                   + nl.be32(A_FLAGS, FLAG_LIST_HEADER))
        if code == errno.ENOENT:
            return None
        if code:
            raise IpsetError(reason(code, setname), code, setname)
        top = dict(messages[0])
        data = dict(nl.parse(top.get(A_DATA, b"")))
        timeout = data.get(D_TIMEOUT)
        return SetInfo(setname, nl.as_str(top[A_TYPENAME]),
                       {2: 4, 10: 6}.get(nl.as_int(top[A_FAMILY]), 0),
                       None if timeout is None else nl.as_int(timeout),
                       nl.as_int(data.get(D_MAXELEM, b"\0\0\0\0")),
                       nl.as_int(data.get(D_REFERENCES, b"\0\0\0\0")),
                       None if D_ELEMENTS not in data else nl.as_int(data[D_ELEMENTS]))

    def _revision(self, stype, family):
        key = (stype, family)
        if key not in self._revisions:
            sock = self._sock()
            reply = sock.request(CMD_TYPE, self._proto + nl.string(A_TYPENAME, stype)
                                 + nl.u8(A_FAMILY, NFPROTO[family]))
            if not isinstance(reply, tuple):
                raise IpsetError("set type %s: %s" % (stype, reason(reply)), reply)
            self._revisions[key] = nl.as_int(dict(reply[1])[A_REVISION])
        return self._revisions[key]

    def create(self, setname, spec, timeout=600):
        """Create ``setname`` (SetSpec) with timeout support; IpsetError if it exists."""
        data = nl.be32(D_TIMEOUT, timeout) + nl.be32(D_MAXELEM, spec.maxelem)
        attrs = (nl.string(A_TYPENAME, spec.stype) + nl.u8(A_REVISION, self._revision(spec.stype, spec.family))
                 + nl.u8(A_FAMILY, NFPROTO[spec.family]) + nl.nested(A_DATA, data))
        self._call(CMD_CREATE, setname, attrs, nl.NLM_F_EXCL, "cannot create ipset %s" % setname)

    def ensure(self, setname, spec):
        """Create the set if absent: "created" or "exists"; SetMismatch if it differs from ``spec``."""
        info = self.info(setname)
        if info is None:
            try:
                self.create(setname, spec)
                return "created"
            except IpsetError as e:
                if e.code != errno.EEXIST:
                    raise
                info = self.info(setname)
        if info is None or not matches(info, spec):
            raise SetMismatch(info, spec)
        return "exists"

    def flush(self, setname):
        self._call(CMD_FLUSH, setname)

    def destroy(self, setname):
        """Destroy ``setname`` (nothing happens if it does not exist)."""
        try:
            self._call(CMD_DESTROY, setname, what="cannot destroy ipset %s" % setname)
        except IpsetError as e:
            if not e.gone:
                raise

    def rename(self, setname, newname):
        self._call(CMD_RENAME, setname, nl.string(A_SETNAME2, newname))

    def swap(self, setname, other):
        """Exchange the contents (and settings) of two sets; rules keep pointing at the names."""
        self._call(CMD_SWAP, setname, nl.string(A_SETNAME2, other))

    # -- entries -------------------------------------------------------------------------------

    def add(self, setname, entry, timeout=None, nomatch=False):
        """Add or re-arm one entry; ``timeout`` None = the set's default, 0 = none."""
        self._call(CMD_ADD, setname, pack_entry(entry, timeout, nomatch))

    def add_many(self, setname, entries):
        """Add [(entry, timeout[, nomatch])] with one message per BATCH; returns the entries of
        refused batches (entries before the refused one may be in; re-adding is harmless)."""
        entries = list(entries)
        failed = []
        sock = self._sock()
        name = self._name(setname)
        for k in range(0, len(entries), BATCH):
            chunk = entries[k:k + BATCH]
            adt = b"".join(pack_entry(*e) for e in chunk)
            # the kernel wants a line number with an entry list
            code = sock.request(CMD_ADD, self._proto + name + nl.attr(A_LINENO, struct.pack("=I", 0))
                                + nl.nested(A_ADT, adt))
            if code and not isinstance(code, tuple):
                if code == errno.ENOENT:
                    raise IpsetError(reason(code, setname), code, setname)
                failed.extend(chunk)
        return failed

    def delete(self, setname, entry):
        """Delete one entry: True, or False if it was not in the set."""
        try:
            self._call(CMD_DEL, setname, pack_entry(entry), nl.NLM_F_EXCL)
        except IpsetError as e:
            if e.code == ERR_EXIST:
                return False
            raise
        return True

    def members(self, setname):
        """{entry: Member(timeout left in s or None, nomatch)} of ``setname``."""
        code, messages = self._sock().dump(CMD_LIST, self._proto + self._name(setname))
        if code:
            raise IpsetError(reason(code, setname), code, setname)
        out = {}
        for attrs in messages:
            for atype, adt in attrs:
                if atype == A_ADT:
                    for _, payload in nl.parse(adt):
                        entry, timeout, nomatch = parse_member(payload)
                        out[entry] = Member(timeout, nomatch)
        return out


def matches(info, spec):
    """Whether an existing set (SetInfo) can serve as ``spec``: same type, family, maxelem, timeouts."""
    return (info.stype == spec.stype and info.family == spec.family and info.maxelem == spec.maxelem
            and info.timeout is not None)
