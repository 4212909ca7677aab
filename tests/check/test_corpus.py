"""`f2btune check --measure` on real captured logs (the shared corpus; skipped when absent)."""
import os
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
