"""A throw-away network namespace with a worker process inside it, for kernel tests."""
import os

import pytest

from f2btune import netns


@pytest.fixture(scope="module")
def nsworker(request):
    """(namespace name, one-process pool living in it)."""
    if os.geteuid() != 0:
        pytest.skip("needs root (network namespaces, netfilter)")
    ns = netns.Netns("f2bt-kernel-%d" % os.getpid())
    ns.create()
    pool = ns.pool()
    try:
        yield ns.name, pool
    finally:
        pool.terminate()
        pool.join()
        ns.delete()
