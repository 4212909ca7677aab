"""pyperf benchmark: The compiled failregex (fail2ban's tag expansion) over each line, date text cut out.

Run: python benchmarks/bench_regex.py [--log LOG] [--sample N] [--regex R] [--filter F] [pyperf options]
See benchmarks/common.py; value = seconds per line.
"""
import common

runner = common.make_runner()
for stage in ("regex",):
    common.bench_stage(runner, stage)
