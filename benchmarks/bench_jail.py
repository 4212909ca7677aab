"""pyperf benchmark: fail2ban's processLineAndAdd on a real Jail (FailManager, ignoreip, bans into a no-op action), loglevel NOTICE and INFO.

Run: python benchmarks/bench_jail.py [--log LOG] [--sample N] [--regex R] [--filter F] [pyperf options]
See benchmarks/common.py; value = seconds per line.
"""
import common

runner = common.make_runner()
for stage in ("jail", "jail-info",):
    common.bench_stage(runner, stage)
