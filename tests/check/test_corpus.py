"""`f2btune check --measure` on real captured logs (the shared corpus; skipped when absent)."""
import os
import re
import textwrap

import pytest

from f2btune.check import run_check
from f2btune.paths import build_confdir
from tests.check.helpers import SEED_REGEX, ids

UFW = "rafmio-ufw/ufw.log.1_2024-05-19.log"
AUTH = "teliten-vultr/auth.log_2022-05-29_vultr.log"


def test_real_logs_measured(tmp_path, corpus_dir):
    for rel in (UFW, AUTH):
        if not os.path.isfile(os.path.join(corpus_dir, rel)):
            pytest.skip("corpus file %s not found" % rel)
    conf = build_confdir(str(tmp_path / "conf"), enable_stock_jails=True)
    with open(os.path.join(conf, "jail.d", "zz-test.local"), "w") as f:
        f.write(textwrap.dedent("""\
            [sshd]
            enabled = true
            logpath = %s
            backend = pyinotify

            [ufw-syn]
            enabled = true
            filter =
            failregex = %s
            logpath = %s
            backend = pyinotify
            """) % (os.path.join(corpus_dir, AUTH), SEED_REGEX, os.path.join(corpus_dir, UFW)))
    report = run_check(conf, measure=True)
    assert "date-autodetect" in ids(report, "sshd") and "date-autodetect" in ids(report, "ufw-syn")
    fix = next(f.fix for f in report.findings if f.jail == "ufw-syn" and f.id == "date-autodetect")
    assert fix == "datepattern = ^%%b %%d %%H:%%M:%%S\n    {^LN-BEG}"
    rows = dict(((m["jail"], m["candidate"]), m) for m in report.measurements)
    # the UFW LOG prefix was read from the log and handed to the f2btune filter
    assert ("ufw-syn", "f2btune-synflood") in rows and ("sshd", "f2btune-sshd") in rows
    for (jail, cand), m in rows.items():
        assert m["lines_per_s"] > 0 and m["lines"] > 1000, (jail, cand)
        if cand == "explicit datepattern":
            assert m["agrees"], (jail, cand)


def test_real_rfc3339_log_with_a_pinned_rfc3164_datepattern(tmp_path, corpus_dir):
    """A real UFW log stamped RFC 3339 under a jail pinned to RFC 3164: every line is reported
    as undated, with the failures it drops; the proposed fallback reads them all."""
    path = os.path.join(corpus_dir, "alfonsodeuna-ufw-iso8601", "ufw.log")
    if not os.path.isfile(path):
        pytest.skip("corpus file %s not found" % path)

    def run(datepattern, name):
        conf = build_confdir(str(tmp_path / name))
        with open(os.path.join(conf, "jail.d", "zz-test.local"), "w") as f:
            f.write(textwrap.dedent("""\
                [ufw-syn]
                enabled = true
                filter = f2btune-synflood[logprefix="\\[UFW (?:BLOCK|AUDIT|ALLOW)\\] "]
                datepattern = %s
                logpath = %s
                backend = pyinotify
                """) % (datepattern, path))
        return run_check(conf)

    report = run("^%%b %%d %%H:%%M:%%S", "pinned")
    (f,) = [f for f in report.findings if f.id == "date-rejected"]
    n = re.search(r"on (\d+) of the last (\d+) lines", f.message).groups()
    assert n[0] == n[1] and int(n[0]) > 1000   # every sampled line
    fixed = run(f.fix.split("=", 1)[1].strip(), "fixed")
    assert "date-rejected" not in ids(fixed, "ufw-syn")
