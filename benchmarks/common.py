"""Shared set-up of the standalone pyperf scripts in benchmarks/ (the parts behind ``f2btune bench``).

Each script times one stage of fail2ban's per-line path with fail2ban's real objects (see
f2btune/bench/stages.py) for the seed regex and f2btune's synflood filter, over the first
``--sample`` lines of ``--log``.  One loop is one pass over those lines and ``inner_loops`` is
their number, so pyperf's value is seconds per line (lines/s = 1 / value).  Set-up happens
outside the timed function and only in pyperf's worker processes.

    python benchmarks/bench_filter.py                      # CPython
    PYTHONPATH=.:.venv/pypy-lib:/usr/lib/python3/dist-packages pypy3 benchmarks/bench_filter.py
    python benchmarks/bench_filter.py --log kern.log --filter sshd -o filter.json
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_LOG = os.path.join(HERE, "data", "flood-small.log")

try:
    import f2btune  # noqa: F401
except ImportError:  # run from a source tree without the package installed
    sys.path.insert(0, ROOT)


def markdown_table(header, rows):
    """A markdown table: ``header`` cells, then one list of cells per row (any values, str()'d)."""
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def _forward(cmd, args):
    cmd.extend(("--log", args.log, "--sample", str(args.sample)))
    for r in args.regex:
        cmd.extend(("--regex", r))
    for f in args.filter:
        cmd.extend(("--filter", f))


def make_runner():
    """The script's one pyperf Runner, with --log/--sample/--regex/--filter forwarded to workers."""
    import pyperf
    runner = pyperf.Runner(add_cmdline_args=_forward)
    p = runner.argparser
    p.add_argument("--log", default=DEFAULT_LOG, help="log to replay (default: the bundled flood)")
    p.add_argument("--sample", type=int, default=10000, help="lines per pass (default 10000; 0 = all)")
    p.add_argument("--regex", action="append", default=[], help="a failregex candidate (repeatable)")
    p.add_argument("--filter", action="append", default=[], help="a filter name or file (repeatable)")
    return runner


def candidates(args):
    """The candidates of a run: the given ones, or the seed regex and f2btune-synflood."""
    from f2btune.bench.api import Candidate, default_candidates
    if not args.regex and not args.filter:
        return default_candidates()
    out = [Candidate.regex(r, name="regex%d" % i) for i, r in enumerate(args.regex, 1)]
    out += [Candidate.filter(f) for f in args.filter]
    return out


def bench_stage(runner, stage):
    """Register one pyperf benchmark per candidate for ``stage`` ('regex', 'filter', 'jail', 'jail-info')."""
    from f2btune.bench import logs, stages
    from f2btune.bench.worker import time_passes
    args = runner.parse_args()
    lines = logs.read_sample(logs.check_log(args.log), args.sample)
    for cand in candidates(args):
        task = _TASKS[0]
        _TASKS[0] += 1
        st, func = None, _unused
        # a pyperf worker runs one task (--worker-task): set up only that one
        if args.worker and args.worker_task in (None, task):
            st = stages.make_stage(stage, cand, lines)
            func = time_passes(st)
        try:
            runner.bench_time_func("%s %s" % (stage, cand.name), func, inner_loops=len(lines))
        finally:
            if st is not None:
                st.close()


_TASKS = [0]  # benchmarks registered so far, in pyperf's --worker-task numbering


def _unused(loops):  # the manager process never calls the function
    raise RuntimeError("benchmark function called outside a pyperf worker")
