"""Check a filter against a failJSON sample file with fail2ban's own samplestestcase.

fail2ban's test machinery changes process-wide state (time zone, a patched ``time.sleep``,
a fixed "now"), so the check always runs in a child interpreter: ``python -m
f2btune.suggest.samples CONFDIR FILESDIR NAME`` runs ``testSampleRegexsFactory(NAME, CONFDIR)``
with ``samplestestcase.TEST_FILES_DIR = FILESDIR`` (samples in ``FILESDIR/logs/NAME``).
"""
import os
import subprocess
import sys
import tempfile

from f2btune.errors import InputError


def _run_in_child(confdir, filesdir, name):  # pragma: no cover - runs in the child
    import unittest

    from f2btune.f2b import ensure_importable, quiet_logging
    ensure_importable()
    from fail2ban.tests import utils as f2butils
    f2butils.initTests(None)
    quiet_logging()
    from fail2ban.tests import samplestestcase as stc
    stc.TEST_FILES_DIR = filesdir

    class F2btuneSamples(stc.FilterSamplesRegex):
        pass

    test_name = "testSampleRegexs%s" % name.upper()
    setattr(F2btuneSamples, test_name, stc.testSampleRegexsFactory(name, confdir))
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=0).run(F2btuneSamples(test_name))
    return 0 if result.wasSuccessful() else 1


def check_samples(filter_path, sample_path, timeout=300):
    """Run samplestestcase for one filter file and its sample file.

    Companion sample files named ``<name>-*`` beside ``sample_path`` (pulled in with
    ``# addFILE:``) are copied too. Builds a private config dir (stock /etc/fail2ban linked, f2btune's snippets copied,
    ``filter_path`` copied in) so that includes such as ``common.conf`` resolve.
    Returns ``(ok, output)``.
    """
    from f2btune.paths import build_confdir
    name = os.path.splitext(os.path.basename(filter_path))[0]
    if not os.path.isfile(filter_path):
        raise InputError("filter file not found: %s" % filter_path)
    if not os.path.isfile(sample_path):
        raise InputError("sample file not found: %s" % sample_path)
    with tempfile.TemporaryDirectory(prefix="f2btune-samples-%d-" % os.getpid()) as tmp:
        confdir = build_confdir(os.path.join(tmp, "conf"))
        target = os.path.join(confdir, "filter.d", name + ".conf")
        if os.path.lexists(target):
            os.unlink(target)
        with open(filter_path, "rb") as src, open(target, "wb") as dst:
            dst.write(src.read())
        logs = os.path.join(tmp, "files", "logs")
        os.makedirs(logs)
        with open(sample_path, "rb") as src, open(os.path.join(logs, name), "wb") as dst:
            dst.write(src.read())
        # companion files a sample pulls in with "# addFILE:" live beside it as <name>-*
        sample_dir = os.path.dirname(os.path.abspath(sample_path))
        for other in os.listdir(sample_dir):
            if other.startswith(name + "-") and os.path.isfile(os.path.join(sample_dir, other)):
                with open(os.path.join(sample_dir, other), "rb") as src, \
                        open(os.path.join(logs, other), "wb") as dst:
                    dst.write(src.read())
        return run_samplestestcase(confdir, os.path.join(tmp, "files"), name, timeout=timeout)


def run_samplestestcase(confdir, filesdir, name, timeout=300):
    """Run fail2ban's sample test for filter ``name`` of ``confdir`` in a child process."""
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    proc = subprocess.run(
        [sys.executable, "-m", "f2btune.suggest.samples", confdir, filesdir, name],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
        env=env, timeout=timeout)
    return proc.returncode == 0, proc.stdout


if __name__ == "__main__":  # pragma: no cover - child entry point
    sys.exit(_run_in_child(*sys.argv[1:4]))
