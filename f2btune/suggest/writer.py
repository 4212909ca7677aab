"""Write the suggested filter as a fail2ban filter file and a failJSON sample file."""
import json

from f2btune.suggest.dates import NONE


def conf_value(text):
    """A regex as a filter-file value: % doubled for fail2ban's config interpolation."""
    return text.replace("%", "%%")


def filter_text(result, name):
    lines = [
        "# Fail2Ban filter suggested by `f2btune suggest-regex` (f2btune)",
        "#",
        "# Sample: %s (%d lines, %d matched by the baseline)" % (
            result["log"], result["lines"], result["baseline_matched"]),
        "# Baseline: %s" % result["baseline"],
        "# Proof on the sample: %s; injected variants rejected: %d/%d" % (
            "equivalent (same lines, same address per line)" if result["equivalent"] else "NOT equivalent",
            result["injection"]["variants"] - result["injection"]["failures"],
            result["injection"]["variants"]),
        "#",
        "",
        "[Definition]",
        "",
    ]
    if result["prefregex"]:
        lines.append("prefregex = %s" % conf_value(result["prefregex"]))
        lines.append("")
    fr = result["failregex"]
    lines.append("failregex = %s" % conf_value(fr[0]))
    for r in fr[1:]:
        lines.append("            %s" % conf_value(r))
    lines += ["", "ignoreregex =", ""]
    dp = result["datepattern"].split("\n")
    lines.append("datepattern = %s" % conf_value(dp[0]))
    for p in dp[1:]:
        lines.append("              %s" % conf_value(p))
    lines += ["", "# Date: %s" % result["date_format"], ""]
    return "\n".join(lines)


def sample_text(result, name):
    """failJSON sample lines: every failregex covered, negatives and injected variants."""
    out = ["# Sample lines for %s, written by `f2btune suggest-regex` from %s." % (name, result["log"]),
           "# Checked with fail2ban's samplestestcase.", ""]
    for item in result["_samples"]:
        if item["host"] is None:
            out.append('# failJSON: { "match": false }')
        else:
            out.append("# failJSON: %s" % json.dumps({"match": True, "host": item["host"]}))
        out.append(item["line"])
    return "\n".join(out) + "\n"


def journal_note(result):
    return result["datepattern"] == NONE
