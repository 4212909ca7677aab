"""pyperf benchmark: fail2ban's Filter.processLine per line: date detection, prefregex, failregex.

Run: python benchmarks/bench_filter.py [--log LOG] [--sample N] [--regex R] [--filter F] [pyperf options]
See benchmarks/common.py; value = seconds per line.
"""
import common

runner = common.make_runner()
for stage in ("filter",):
    common.bench_stage(runner, stage)
