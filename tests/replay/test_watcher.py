"""The ban watcher's hand-rolled ipset dump, against real ipsets in a throw-away namespace."""
import json
import os
import sys

from f2btune.netns import Netns

CODE = ("import json; from f2btune.replay.watcher import IpsetLister; "
        "print(json.dumps(sorted(IpsetLister().members())))")


def test_lists_ipv4_and_ipv6_members(as_root):
    with Netns("f2bt-rpw-%d" % os.getpid()) as ns:
        restore = ["create w4 hash:ip timeout 0", "create w6 hash:ip family inet6",
                   "add w6 2001:0db8:0000:0000:0000:0000:0000:0001"]
        restore += ["add w4 198.51.100.%d" % i for i in range(250)]
        ns.run(["ipset", "restore"], input="\n".join(restore) + "\n")
        r = ns.run([sys.executable, "-c", CODE], check=True)
        members = json.loads(r.stdout)
    assert len(members) == 251
    assert "2001:db8::1" in members and "198.51.100.249" in members
