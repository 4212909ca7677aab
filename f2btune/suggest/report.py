"""Human-readable output of ``f2btune suggest-regex``."""


def _fmt_speed(result):
    b = result.get("bench") or {}
    if result.get("speedup") is None:
        why = b.get("error") or ("not measured (--no-bench)" if not b else "not measured")
        if not result.get("equivalent"):
            why = "not measured (not equivalent)"
        return "n/a: %s" % why
    return ("%.2fx at the filter stage on %s (suggested %.0f lines/s +- %.0f, baseline %.0f +- %.0f; "
            "f2btune bench method)" % (result["speedup"], b.get("python") or "this python",
                                       b.get("lines_per_s") or 0, b.get("stdev") or 0,
                                       b.get("baseline_lines_per_s") or 0, b.get("baseline_stdev") or 0))


def render(result):
    out = ["log:       %s (%d usable lines%s)" % (
        result["log"], result["lines"], ("; " + "; ".join(result["notes"])) if result["notes"] else ""),
        "baseline:  %s -> %d matching lines" % (result["baseline"], result["baseline_matched"])]
    if result.get("no_anchor"):
        out.append("no anchor found: %s" % result["no_anchor"])
        return "\n".join(out)
    out.append("date:      %s -> datepattern = %s" % (result["date_format"],
                                                      result["datepattern"].replace("\n", " | ")))
    if result.get("head"):
        out.append("anchor:    syslog header %s" % result["head"])
    if result.get("anchor"):
        out.append("           common prefix %s" % result["anchor"])
    if not result.get("head") and not result.get("anchor"):
        out.append("anchor:    line start (the address opens the line)")
    inj = result["injection"]
    out.append("proof:     %s: %d/%d lines matched, same lines and hosts: %s; injected variants: "
               "%d, injected address taken: %d (baseline: %d)" % (
                   "EQUIVALENT" if result["equivalent"] else "NOT EQUIVALENT",
                   result["matched"], result["baseline_matched"],
                   "yes" if result.get("mismatch_count") == 0 else "no",
                   inj["variants"], inj["failures"], inj["baseline_failures"]))
    for m in result.get("mismatches", [])[:10]:
        out.append("  mismatch line %d: baseline %s, suggested %s: %s" % (
            m["line_no"], m["baseline"], m["suggested"], m["line"][:160]))
    for v in inj.get("examples", [])[:3]:
        out.append("  injection taken: %s" % v[:160])
    out.append("speed-up:  %s" % _fmt_speed(result))
    w = result.get("written")
    if w:
        out.append("written:   %s and %s (samplestestcase: %s)" % (
            w["filter"], w["sample"], {True: "passed", False: "FAILED", None: "not run"}[w["samples_check"]]))
    out += ["", "--- suggested filter ---", result.get("filter_text", "")]
    return "\n".join(out)
