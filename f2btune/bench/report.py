"""The summary (what ``--json`` writes and ``run_bench`` returns) and its text rendering."""
import os
import time

STAGE_NOTES = {
    "regex": "compiled failregex only",
    "filter": "Filter.processLine (+ date detection, prefregex, failure tuples)",
    "jail": "processLineAndAdd + FailManager + ignoreip + bans, loglevel NOTICE",
    "jail-info": "same, loglevel INFO (a 'Found' record per failure)",
}
STEP_NOTES = (
    ("regex", None, "failregex search"),
    ("filter", "regex", "date detection, fail2ban's Filter machinery"),
    ("jail", "filter", "tickets, ignoreip, FailManager, bans"),
    ("jail-info", "jail", "INFO logging of each failure"),
)


def counts_level(stage):
    return "regex" if stage == "regex" else "filter"


def build_summary(log, lines, sample, candidates, counts, figures, interps, stages, fast):
    """Assemble the summary from the counting pass and the pyperf-derived figures."""
    from f2btune import __version__
    from f2btune import f2b
    rows = []
    base = candidates[0].name
    by_cand = dict((c.name, counts[i]) for i, c in enumerate(candidates))
    for interp in interps:
        for stage in stages:
            for cand in candidates:
                warm = figures.get((cand.name, stage, interp.label, "warm"))
                if warm is None:
                    continue
                cold = figures.get((cand.name, stage, interp.label, "cold")) or {}
                level = counts_level(stage)
                mine, theirs = by_cand[cand.name][level], by_cand[base][level]
                row = {
                    "candidate": cand.name, "kind": cand.kind, "spec": cand.spec,
                    "stage": stage, "python": interp.label, "python_exe": interp.exe,
                    "jit": interp.jit,
                    "lines_per_s": warm["lines_per_s"], "stdev": warm["stdev"],
                    "us_per_line": warm["us_per_line"], "us_per_line_stdev": warm["us_per_line_stdev"],
                    "cold_lines_per_s": cold.get("lines_per_s"), "cold_stdev": cold.get("stdev"),
                    "processes": warm["processes"], "values": warm["values"],
                    "loops": warm["loops"], "warmups": warm["warmups"],
                    "matched": mine["matched"], "hosts": mine["hosts"],
                    "agrees": (mine["matched"] == theirs["matched"] and mine["hosts"] == theirs["hosts"]
                               and mine["digest"] == theirs["digest"]),
                    "pyperf_json": warm["pyperf_json"], "pyperf_json_cold": cold.get("pyperf_json"),
                }
                rows.append(row)
    index = dict(((r["candidate"], r["stage"], r["python"]), r) for r in rows)
    first_python = interps[0].label
    for r in rows:
        b = index.get((base, r["stage"], r["python"]))
        r["ratio"] = r["lines_per_s"] / b["lines_per_s"] if b else None
        p = index.get((r["candidate"], r["stage"], first_python))
        r["vs_first_python"] = r["lines_per_s"] / p["lines_per_s"] if p else None
    return {
        "f2btune_version": __version__,
        "fail2ban_version": f2b.version(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "log": log,
        "lines": lines,
        "sample_lines": sample,
        "fast": bool(fast),
        "baseline": base,
        "stages": list(stages),
        "pythons": [i.to_dict() for i in interps],
        "candidates": [dict(c.to_dict(), counts=by_cand[c.name]) for c in candidates],
        "results": rows,
        "breakdown": breakdown(rows),
        "projection": None,
        "load_average": _loadavg(),
    }


def _loadavg():
    try:
        return list(os.getloadavg())
    except (AttributeError, OSError):
        return None


def breakdown(rows):
    """Per candidate and python: microseconds per line of each stage and what each step adds."""
    out = []
    seen = []
    for r in rows:
        key = (r["candidate"], r["python"])
        if key not in seen:
            seen.append(key)
    for cand, python in seen:
        us = dict((r["stage"], r["us_per_line"]) for r in rows
                  if r["candidate"] == cand and r["python"] == python)
        if len(us) < 2:
            continue
        total = max(us.values())
        steps = []
        for stage, prev, what in STEP_NOTES:
            if stage not in us:
                continue
            if prev is None:
                add = us[stage]
            elif prev in us:
                add = us[stage] - us[prev]
            else:
                add = None
            steps.append({"stage": stage, "us_per_line": us[stage], "adds_us": add,
                          "adds_share": (add / total) if add is not None and total else None,
                          "what": what})
        out.append({"candidate": cand, "python": python, "steps": steps})
    return out


def _num(v, digits=0):
    if v is None:
        return "-"
    return "{:,.{d}f}".format(v, d=digits)


def _table(headers, rows, align):
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    def fmt(cells):
        return "  ".join(c.rjust(w) if a == "r" else c.ljust(w)
                         for c, w, a in zip(cells, widths, align)).rstrip()
    out = [fmt(headers), fmt(["-" * w for w in widths])]
    out.extend(fmt(r) for r in rows)
    return out


def format_summary(summary):
    """The human-readable report: main table, flags, stage breakdown, projection, method."""
    s = summary
    out = _summary_head(s)
    out.extend(_results_table(s))
    out.extend(_agreement(s))
    out.extend(_python_ratios(s))
    out.extend(_breakdown_table(s))
    if s.get("projection"):
        from f2btune.bench.project import format_projection
        out.append("")
        out.extend(format_projection(s["projection"], s["results"]))
    out.extend(_load_note(s))
    out.append("")
    out.extend(_method(s))
    return "\n".join(out)


def _summary_head(s):
    sampled = s["sample_lines"] < s["lines"]
    return ["f2btune bench: %s" % s["log"],
            "  %s lines%s; %s; fail2ban %s; baseline: %s" % (
                _num(s["lines"]),
                " (timed over the first %s, counted over all)" % _num(s["sample_lines"]) if sampled else "",
                "fast mode" if s["fast"] else "full mode", s["fail2ban_version"], s["baseline"]),
            ""]


def _results_table(s):
    headers = ["candidate", "stage", "python", "lines/s median", "± sd", "ratio", "cold lines/s",
               "matched", "addresses", "agrees"]
    rows = []
    for r in s["results"]:
        rows.append([r["candidate"], r["stage"], r["python"], _num(r["lines_per_s"]), _num(r["stdev"]),
                     "%.2fx" % r["ratio"] if r["ratio"] is not None else "-",
                     _num(r["cold_lines_per_s"]), _num(r["matched"]), _num(r["hosts"]),
                     "yes" if r["agrees"] else "DIFFERS"])
    return _table(headers, rows, "lllrrrrrrl")


def _agreement(s):
    differs = sorted(set(r["candidate"] for r in s["results"] if not r["agrees"]))
    if differs:
        return ["", "FLAG: %s matched different lines or addresses than the baseline %s: "
                "a faster candidate that misses lines is not a win." % (", ".join(differs), s["baseline"])]
    return ["", "All candidates matched the same lines and addresses as the baseline."]


def _python_ratios(s):
    """One line per other python and candidate: warm lines/s relative to the first python."""
    pyrows = [r for r in s["results"] if r["vs_first_python"] is not None
              and r["python"] != s["pythons"][0]["label"]]
    groups = []
    for r in pyrows:
        if (r["python"], r["candidate"]) not in groups:
            groups.append((r["python"], r["candidate"]))
    return ["%s vs %s, warm lines/s, %s: %s" % (
        python, s["pythons"][0]["label"], cand, ", ".join("%s %.2fx" % (r["stage"], r["vs_first_python"]) for r in pyrows
                                       if (r["python"], r["candidate"]) == (python, cand)))
            for python, cand in groups]


def _breakdown_table(s):
    if not s["breakdown"]:
        return []
    rows = []
    for b in s["breakdown"]:
        for st in b["steps"]:
            rows.append([b["candidate"], b["python"], st["stage"], _num(st["us_per_line"], 2),
                         _num(st["adds_us"], 2) if st["adds_us"] is not None else "-",
                         "%.0f%%" % (100 * st["adds_share"]) if st["adds_share"] is not None else "-",
                         st["what"]])
    return ["", "Stage breakdown (warm, microseconds per line; 'adds' = this stage minus the previous):"] + \
        _table(["candidate", "python", "stage", "us/line", "adds", "share", "what the step adds"], rows, "lllrrrl")


def _load_note(s):
    load = s.get("load_average")
    if load and load[0] > 0.5:
        return ["", "Note: load average %.1f at the end of the run: other work shared the CPU, expect "
                "a wide spread; compare ratios within this run." % load[0]]
    return []


def _method(s):
    if not s["results"]:
        return []
    return ["Method: pyperf worker processes; 1 loop = 1 pass over the %s-line sample, value = "
            "seconds/line, lines/s = 1/median; ± sd = pyperf's standard deviation; 'cold' = "
            "first pass in a fresh process; ratio = vs %s on the same stage and python."
            % (_num(s["sample_lines"]), s["baseline"])]
