"""The bench API other parts of f2btune call: candidates in, pyperf-backed summary out.

    from f2btune.bench.api import SEED_REGEX, Candidate, run_bench
    summary = run_bench("flood.log", [Candidate.regex(SEED_REGEX, name="seed"),
                                      Candidate.filter("f2btune-synflood")], stage="filter")
    for row in summary["results"]:
        print(row["candidate"], row["lines_per_s"], row["ratio"], row["agrees"])

The first candidate is the baseline.  ``run_bench`` returns exactly what ``f2btune bench --json``
writes; it raises ``f2btune.errors.InputError`` on a bad log, regex, filter or interpreter.
"""
import json
import os
import sys

from f2btune.bench.candidates import Candidate
from f2btune.bench.stages import STAGES
from f2btune.errors import InputError
from f2btune.seed import SEED_REGEX

__all__ = ["SEED_REGEX", "Candidate", "run_bench", "default_candidates", "command_line_candidates",
           "STAGE_CHOICES"]

SYNFLOOD_FILTER = "f2btune-synflood"
STAGE_CHOICES = STAGES + ("all",)


def seed_candidate():
    return Candidate.regex(SEED_REGEX, name="seed")


def default_candidates():
    """The seed regex (baseline), plus f2btune's own synflood filter when it is present."""
    from f2btune.paths import snippets_root
    out = [seed_candidate()]
    path = os.path.join(snippets_root(), "filter.d", SYNFLOOD_FILTER + ".conf")
    if os.path.isfile(path):
        out.append(Candidate.filter(path, name=SYNFLOOD_FILTER))
    return out


def command_line_candidates(regexes=(), filters=(), defaults=True):
    """The seed (baseline), f2btune-synflood unless ``defaults`` is false, then a candidate per
    regex and filter; a name given twice (the same filter, or the default again) gets ``#N``."""
    candidates = default_candidates() if defaults else [seed_candidate()]
    for i, r in enumerate(regexes, 1):
        candidates.append(Candidate.regex(r, name="regex%d" % i if len(regexes) > 1 else "regex"))
    candidates.extend(Candidate.filter(spec) for spec in filters)
    names = set()
    for c in candidates:
        if c.name in names:
            c.name = "%s#%d" % (c.name, len(names))
        names.add(c.name)
    return candidates


def _as_candidate(c):
    if isinstance(c, Candidate):
        return c
    if isinstance(c, str):
        return Candidate.regex(c)
    raise InputError("not a benchmark candidate: %r" % (c,))


def run_bench(log, candidates, stage="filter", pythons=None, fast=True, json_path=None, quiet=True,
              sample_lines=None, project=None, plot_path=None):
    """Benchmark ``candidates`` (the first is the baseline) over ``log``; return the summary.

    ``stage``: 'regex', 'filter', 'jail' (loglevel NOTICE and INFO), 'jail-info', 'all', or a list.
    ``pythons``: interpreter names/paths (None = the current interpreter only).
    ``sample_lines``: lines timed per pass (default 10 000 with ``fast``, 100 000 without; 0 = all);
    matched lines and addresses are always counted over the whole log, streamed.
    ``json_path``: write the summary there and keep pyperf's JSON files in ``<json_path stem>-pyperf/``.
    ``project``: a Raspberry Pi class ('pi-zero', 'pi3', 'pi4', 'pi5') for a projected range.
    ``plot_path``: write a PNG bar chart.
    """
    from f2btune.bench import harness, interpreters, report
    cands = [_as_candidate(c) for c in (candidates or [])]
    if not cands:
        raise InputError("no candidate to benchmark")
    stages = harness.expand_stages(stage)
    project_mod = _project_module(project)
    _check_parent(json_path, "--json")
    _check_parent(plot_path, "--plot")
    interps = interpreters.probe_all(pythons or [sys.executable])
    progress = None if quiet else (lambda msg: print("bench: " + msg, file=sys.stderr, flush=True))
    extra = []
    if project is not None:
        calib_interp = next((i for i in interps if not i.jit), None) or \
            interpreters.probe(sys.executable)
        extra.append(("calibration", project_mod.calibration_job_factory(calib_interp)))
    workdir, temporary = harness.make_workdir(json_path)
    try:
        lines, sample, counts, figures = harness.run(
            log, cands, stages, interps, fast=fast, sample_lines=sample_lines, workdir=workdir,
            progress=progress, extra_jobs=extra)
        summary = report.build_summary(os.path.abspath(log), lines, sample, cands, counts, figures,
                                       interps, stages, fast)
        if project is not None:
            summary["projection"] = project_mod.project(project, figures["calibration"],
                                                        summary["results"])
        if temporary:
            _drop_pyperf_paths(summary)
        _write_outputs(summary, json_path, plot_path)
        return summary
    finally:
        if temporary:
            harness.remove_workdir(workdir)


def _project_module(project):
    """f2btune.bench.project when a known ``project`` class is asked for (None without one)."""
    if project is None:
        return None
    from f2btune.bench import project as project_mod
    if project not in project_mod.CLASSES:
        raise InputError("unknown --project class %r (known: %s)"
                         % (project, ", ".join(project_mod.class_names())))
    return project_mod


def _check_parent(path, option):
    if path:
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise InputError("directory for %s does not exist: %s" % (option, parent))


def _drop_pyperf_paths(summary):
    """pyperf's JSON files were in a temporary directory, gone with it: name none."""
    for r in summary["results"]:
        r["pyperf_json"] = r["pyperf_json_cold"] = None
    if summary["projection"]:
        summary["projection"]["calibration"]["pyperf_json"] = None


def _write_outputs(summary, json_path, plot_path):
    """The PNG chart (its path recorded in the summary), then the summary as JSON."""
    if plot_path:
        from f2btune.bench.plot import plot_summary
        plot_summary(summary, plot_path)
        summary["plot"] = os.path.abspath(plot_path)
    if json_path:
        try:
            with open(json_path, "w") as f:
                json.dump(summary, f, indent=2, sort_keys=True)
                f.write("\n")
        except OSError as e:
            raise InputError("cannot write %s: %s" % (json_path, e.strerror or e))
