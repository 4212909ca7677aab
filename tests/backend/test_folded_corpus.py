"""A real Ubuntu auth.log full of rsyslog folds: with the f2btune backend and f2btune-sshd, the
failures per address equal the unfolded truth (stock sshd over the log with every
``message repeated N times: [ ... ]`` written out N times, by a string parse)."""
import os
import sys

import pytest

from f2btune.backend.register import register
from f2btune.f2b import apply_filter_commands, filter_commands

from tests.backend.conftest import counts

FILE = os.path.join("phoenix-aws", "auth.log.4")


def unfold(lines):
    from tests.benchmarks.scripts import load
    return load("corpus_services").unfold(lines)




def make(filter_path, backend, name):
    from fail2ban.server.jail import Jail
    flt = Jail(name, backend=backend).filter
    apply_filter_commands(flt, filter_commands(filter_path))
    flt.setMaxRetry(10 ** 9)                   # nobody is banned: every failure keeps counting
    flt.setFindTime(10 ** 10)
    flt.setUseDns("no")
    flt.checkFindTime = False
    flt.inOperation = True
    flt.sleeptime = 0
    return flt


def test_backend_counts_the_unfolded_attempts(corpus_dir, root_dir):
    path = os.path.join(corpus_dir, FILE)
    if not os.path.isfile(path):
        pytest.skip("%s not in the corpus" % FILE)
    register()
    with open(path, "rb") as f:
        raw = f.read().split(b"\n")
    raw = [x for x in raw if x]
    ours = make(os.path.join(root_dir, "filter.d", "f2btune-sshd.conf"), "f2btune", "fold-ours")
    for i in range(0, len(raw), 500):
        ours.process_raw_lines(raw[i:i + 500])
    truth = make("/etc/fail2ban/filter.d/sshd.conf", "polling", "fold-truth")
    text = [x.decode("utf-8", "replace") for x in raw]
    unfolded = unfold(text)
    for line in unfolded:
        truth.processLineAndAdd(line)
    folded = len(unfolded) - len(text)
    total, per_address = counts(ours)
    want_total, want = counts(truth)
    sys.stdout.write("\n%s: %d lines, %d attempts folded away; f2btune backend %d failures, "
                     "unfolded truth %d\n" % (FILE, len(raw), folded, total, want_total))
    assert folded > 10000
    assert per_address == want and total == want_total
    assert ours.stats["errors"] == 0
