"""Human-readable output of ``f2btune suggest-regex``."""


def _fmt_speed(result):
    b = result.get("bench") or {}
    if result.get("speedup") is None:
        why = b.get("error") or ("not measured (--no-bench)" if not b else "not measured")
        if not result.get("equivalent"):
            why = "not measured (not equivalent)"
        return ["n/a: %s" % why]
    out = ["%.2fx at the filter stage on %s (suggested %.0f lines/s +- %.0f, baseline %.0f +- %.0f; "
           "f2btune bench method)" % (p["speedup"], p.get("python") or "this python",
                                     p.get("lines_per_s") or 0, p.get("stdev") or 0,
                                     p.get("baseline_lines_per_s") or 0, p.get("baseline_stdev") or 0)
           for p in b.get("per_python") or [b]]
    out += ["not measured on %s" % m for m in b.get("not_measured") or []]
    if b.get("slower"):
        out.append("SLOWER: %s" % b["slower"])
    return out


def _proof(result):
    inj = result["injection"]
    out = ["proof:     %s: %d/%d baseline lines matched with the same address%s; %d more line(s) of "
           "the same shapes matched" % (
               "EQUIVALENT" if result["equivalent"] else "NOT EQUIVALENT",
               result["baseline_matched"] - result.get("mismatch_count", 0) - inj.get("lines", 0),
               result["baseline_matched"] - inj.get("lines", 0),
               " (%d injection line(s) aside)" % inj["lines"] if inj.get("lines") else "",
               result.get("extra_lines", 0) - len(result.get("near_miss_lines", []))),
           "           adversarial variants: %d, injected address taken: %d (baseline: %d); near "
           "misses: %d, matched: %d" % (inj["variants"], inj["failures"], inj["baseline_failures"],
                                        inj.get("near_miss_variants", 0), inj.get("near_miss_taken", 0))]
    for m in result.get("mismatches", [])[:10]:
        out.append("  mismatch line %d: baseline %s, suggested %s: %s" % (
            m["line_no"], m["baseline"], m["suggested"], m["line"][:160]))
    for m in result.get("near_miss_lines", [])[:5]:
        out.append("  near miss matched, line %d: %s" % (m["line_no"], m["line"][:160]))
    for v in inj.get("examples", [])[:3]:
        out.append("  injection taken: %s" % v[:160])
    for m in result.get("injection_lines", [])[:5]:
        out.append("  injection attempt, not learnt from: line %d (%s): %s" % (
            m["line_no"], m["why"], m["line"][:120]))
    return out


def render(result):
    out = ["log:       %s (%d usable lines%s)" % (
        result["log"], result["lines"], ("; " + "; ".join(result["notes"])) if result["notes"] else ""),
        "baseline:  %s -> %d matching lines" % (result["baseline"], result["baseline_matched"])]
    if result.get("no_anchor"):
        out.append("no anchor found: %s" % result["no_anchor"])
        return "\n".join(out)
    out.append("date:      %s -> %s" % (result["date_format"], (
        "datepattern = " + result["datepattern"].replace("\n", " | ")) if result["datepattern"]
        else "no datepattern (fail2ban's default detection)"))
    if result.get("head"):
        out.append("anchor:    syslog header %s" % result["head"])
    if result.get("anchor"):
        out.append("           common prefix %s" % result["anchor"])
    out.append("shapes:    %d failregex line(s)" % len(result["failregex"]))
    if result.get("generalised_unseen"):
        out.append("           generalised without seeing them vary (value positions): %s"
                   % ", ".join(result["generalised_unseen"][:12]))
    out += _proof(result)
    held = result.get("heldout") or {}
    out.append("held-out:  %s" % (held.get("summary") or "not measured"))
    speed = _fmt_speed(result)
    out.append("speed-up:  %s" % speed[0])
    out += ["           %s" % s for s in speed[1:]]
    w = result.get("written")
    if w:
        if w.get("filter"):
            out.append("written:   %s and %s (samplestestcase: passed)%s" % (
                w["filter"], w["sample"], "; backups: " + ", ".join(w["backups"]) if w.get("backups") else ""))
        else:
            out.append("NOT WRITTEN: %s" % w.get("why"))
            if w.get("samples_check_output"):
                out.append(w["samples_check_output"][-1500:])
    out += ["", "--- suggested filter ---", result.get("filter_text", "")]
    return "\n".join(out)
