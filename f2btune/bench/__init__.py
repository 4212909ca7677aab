"""``f2btune bench``: what each candidate regex, filter and interpreter costs, in lines per second.

The public entry point is :mod:`f2btune.bench.api` (``SEED_REGEX``, ``Candidate``, ``run_bench``).
Modules: ``candidates`` (regex / filter file -> real fail2ban objects), ``stages`` (regex, filter,
jail, jail-info passes and the streamed counting pass), ``worker`` (the pyperf script, runnable
under pypy3), ``interpreters``, ``harness`` (pyperf runs), ``report``, ``plot``, ``project``.
"""
