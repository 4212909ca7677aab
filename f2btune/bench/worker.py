"""The pyperf benchmark script behind ``f2btune bench``: one (candidate, stage) on one interpreter.

Started as ``PYTHON worker.py --f2btune-spec SPEC.json [pyperf options]`` under the interpreter
being measured (``pypy3`` included: pyperf then applies its JIT defaults and runs every worker
under PyPy itself).  pyperf spawns worker processes, calibrates the loop count and keeps warm-ups
apart; one loop is one pass over the log sample and ``inner_loops`` is the number of lines, so a
value is seconds per line.  Set-up (reading the sample, building fail2ban's objects, a fresh Jail
before each pass) happens outside the timed region, and only in worker processes.

Under a JIT, a warm run first makes untimed passes until ``jit_warmup_lines`` lines went through
(pyperf 2.8+ does not calibrate JIT warm-ups), then pyperf's own warm-up values follow; a cold
run (1 loop, no warm-up, 1 value per process) times the very first pass of a fresh process.

The spec is JSON: ``{"name", "log", "sample_lines", "stage", "candidate": {...}, "mode",
"jit_warmup_lines"}``.
"""
import json
import os
import sys

if __name__ == "__main__":
    # run as a script: don't let this directory's modules shadow top-level ones
    _here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _here]


def time_passes(stage):
    """The pyperf time function: ``loops`` timed passes, each after an untimed reset."""
    import pyperf
    clock = pyperf.perf_counter

    def timed(loops):
        total = 0.0
        for _ in range(loops):
            stage.reset()
            t0 = clock()
            stage.run()
            total += clock() - t0
        return total
    return timed


def prewarm(stage, nlines, warmup_lines):
    """Untimed passes until ``warmup_lines`` lines went through (JIT warm-up, before pyperf's own)."""
    for _ in range(min(200, -(-warmup_lines // max(1, nlines)))):
        stage.reset()
        stage.run()


def _not_in_manager(loops):  # pragma: no cover - pyperf only calls the function in workers
    raise RuntimeError("the benchmark function runs in pyperf worker processes only")


def main(argv=None):
    import pyperf

    def add_cmdline_args(cmd, args):
        cmd.extend(("--f2btune-spec", args.f2btune_spec))

    runner = pyperf.Runner(add_cmdline_args=add_cmdline_args)
    runner.argparser.add_argument("--f2btune-spec", required=True,
                                  help="JSON file describing the benchmark (written by f2btune bench)")
    args = runner.parse_args(argv)
    with open(args.f2btune_spec) as f:
        spec = json.load(f)

    from f2btune import f2b
    from f2btune.bench.candidates import Candidate
    from f2btune.bench import logs, stages
    candidate = Candidate.from_dict(spec["candidate"])
    runner.metadata.update({
        "f2btune_candidate": candidate.name,
        "f2btune_stage": spec["stage"],
        "f2btune_mode": spec.get("mode", "warm"),
        "f2btune_log": spec["log"],
        "f2btune_sample_lines": spec["sample_lines"],
        "f2btune_jit_warmup_lines": spec.get("jit_warmup_lines", 0) if pyperf.python_has_jit() else 0,
        "fail2ban_version": f2b.ensure_importable(),
    })
    func = _not_in_manager
    stage = None
    if args.worker:
        lines = logs.read_sample(spec["log"], spec["sample_lines"])
        if len(lines) != spec["sample_lines"]:
            raise SystemExit("log changed: %d lines read, %d expected" % (len(lines), spec["sample_lines"]))
        stage = stages.make_stage(spec["stage"], candidate, lines)
        if spec.get("mode") == "warm" and pyperf.python_has_jit():
            prewarm(stage, len(lines), spec.get("jit_warmup_lines", 0))
        func = time_passes(stage)
    try:
        runner.bench_time_func(spec["name"], func, inner_loops=spec["sample_lines"])
    finally:
        if stage is not None:
            stage.close()


if __name__ == "__main__":
    main()
