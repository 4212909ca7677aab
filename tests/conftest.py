"""Shared fixtures: the real fail2ban, the shared corpus, root-only and small-input switches."""
import contextlib
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# CI keeps ../shared beside the clone; F2BTUNE_CORPUS overrides.
CORPUS = os.environ.get("F2BTUNE_CORPUS", os.path.join(os.path.dirname(ROOT), "shared", "corpus"))
# Tests shrink their inputs (as borg's benchmark tests do): F2BTUNE_TEST_SCALE=1 is the default small size.
SCALE = float(os.environ.get("F2BTUNE_TEST_SCALE", "1"))


@contextlib.contextmanager
def _fail2ban_logger_kept():
    """fail2ban's logger as it was before, whatever happened inside (handlers, level,
    propagation)."""
    import logging
    logger = logging.getLogger("fail2ban")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    yield
    for h in list(logger.handlers):
        if h not in saved[0]:
            logger.removeHandler(h)
    for h in saved[0]:
        if h not in logger.handlers:
            logger.addHandler(h)
    logger.setLevel(saved[1])
    logger.propagate = saved[2]


@pytest.fixture(autouse=True)
def fail2ban_logger_restored():
    """Code under test may set fail2ban's logger up as a server does (handlers, level, no
    propagation, e.g. the bench); later tests see it as it was before."""
    with _fail2ban_logger_kept():
        yield


@pytest.fixture(scope="module", autouse=True)
def fail2ban_logger_restored_per_module():
    """The same around a module, whose own module-wide fixtures may quiet the logger
    (``quiet_logging``): the next module sees it as it was before."""
    with _fail2ban_logger_kept():
        yield


@pytest.fixture(scope="session")
def root_dir():
    return ROOT


@pytest.fixture(scope="session")
def corpus_dir():
    if not os.path.isdir(CORPUS):
        pytest.skip("shared corpus not found at %s" % CORPUS)
    return CORPUS


@pytest.fixture
def as_root():
    if os.geteuid() != 0:
        pytest.skip("needs root (network namespaces, netfilter)")


@pytest.fixture(scope="session")
def pypy3():
    exe = shutil.which("pypy3")
    if not exe:
        pytest.skip("pypy3 not installed")
    return exe


def run_cli(*args, env=None, timeout=600, cwd=None):
    """Run the real ``f2btune`` command in a subprocess; returns CompletedProcess (text)."""
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "f2btune"] + [str(a) for a in args],
                          capture_output=True, text=True, env=e, timeout=timeout, cwd=cwd or ROOT)


@contextlib.contextmanager
def netns_pool(prefix):
    """A one-process pool living in a throw-away network namespace ``prefix-<pid>``."""
    from f2btune import netns
    ns = netns.Netns("%s-%d" % (prefix, os.getpid()))
    ns.create()
    pool = ns.pool()
    try:
        yield pool
    finally:
        pool.terminate()
        pool.join()
        ns.delete()


@pytest.fixture(scope="module")
def nsworker(request):
    """A one-process pool living in its own network namespace, for the tests of one module."""
    if os.geteuid() != 0:
        pytest.skip("needs root (network namespaces, netfilter)")
    with netns_pool("f2bt-ns-" + request.module.__name__.rsplit(".", 1)[-1][:12]) as pool:
        yield pool
