"""Formatting the replay summary: a text table, the JSON file, the lag plot."""
import json

COLUMNS = (
    ("scenario", "scenario", "%s"),
    ("sources", "sources", "%d"),
    ("rate", "rate", "%g"),
    ("profile", "profile", "%s"),
    ("python", "python", "%s"),
    ("lines", "lines", "%d"),
    ("cpu_s_per_10k_lines", "CPU s/10k lines", "%.4f"),
    ("lines_per_cpu_s", "lines/CPU-s", "%.0f"),
    ("ban_latency_ms_p50", "ban p50 ms", "%.1f"),
    ("ban_latency_ms_p99", "ban p99 ms", "%.1f"),
    ("max_lag_lines", "max lag", "%d"),
    ("lag_end_of_write_lines", "lag@end", "%d"),
    ("peak_rss_mb", "peak RSS MB", "%.1f"),
    ("bans", "bans", "%d"),
)


def _cell(fmt, v):
    if v is None:
        return "-"
    try:
        return fmt % v
    except TypeError:
        return str(v)


def table_lines(summary):
    rows = [[h for _, h, _ in COLUMNS]]
    for r in summary["results"]:
        rows.append([_cell(f, r.get(k)) if k != "rate" or r.get(k) else "max" for k, _, f in COLUMNS])
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    left = (0, 3, 4)
    out = ["  ".join(c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
           for row in rows]
    out.insert(1, "  ".join("-" * w for w in widths))
    for ra in summary.get("ratios", []):
        out.append("%s/%d@%s: %s/%s: %s per line than %s (%s in total)"
                   % (ra["scenario"], ra["sources"], _rate(ra.get("rate")), ra["profile"], ra["python"],
                      _times(ra["cpu_per_line_ratio"], "CPU"), ra["baseline"], _times(ra["total_cpu_ratio"], "")))
    out.extend(notes_lines(summary))
    for i in summary.get("idle", []):
        out.append("idle %s/%s: %.1f ms of CPU per minute without traffic (%.0f s measured)"
                   % (i["profile"], i["python"], i["cpu_ms_per_min"], i["seconds"]))
    return out


def _rate(rate):
    return "max" if rate in (None, "max") else "%g/s" % rate


def _times(ratio, what):
    """'3.1x less CPU' for a ratio baseline/this of 3.1, '2.5x more CPU' for 0.4."""
    what = (" " + what) if what else ""
    if not ratio:
        return "-"
    return "%.1fx less%s" % (ratio, what) if ratio >= 1 else "%.1fx more%s" % (1.0 / ratio, what)


def notes_lines(summary):
    out, said = [], set()
    for r in summary["results"]:
        notes = []
        if not r.get("caught_up"):
            notes.append("did NOT catch up before the time limit")
        if r.get("unbanned_at_end"):
            notes.append("%d of %d source(s) due a ban (maxretry within findtime) not banned"
                         % (r["unbanned_at_end"], r["sources_at_maxretry"]))
        if r.get("cpu_budget_share") is not None:
            notes.append("used %.0f%% of its CPU budget (%g%% of one CPU)"
                         % (100 * r["cpu_budget_share"], r["cpu_quota"]))
        if r.get("peer_note") and r["peer_note"] not in said:
            said.add(r["peer_note"])
            notes.append(r["peer_note"])
        if notes:
            out.append("%s@%s %s/%s: %s" % (r["scenario"], _rate(r.get("rate")), r["profile"], r["python"],
                                             "; ".join(notes)))
    loops = {"closed": "closed loop: banned sources stop", "open": "open loop: banned sources keep writing"}
    out.append("flood: %s, %s lines offered per max-rate run (low rates: for their seconds), rate %s%s, "
               "read from a %s; %s"
               % (summary["kind"], summary["lines"], summary["rate"],
                  (", CPU quota %s%%" % summary["cpu_quota"]) if summary.get("cpu_quota") else "",
                  "journal file (lag not visible: mmap reads)" if summary["source"] == "journal" else "log file",
                  "; ".join(sorted(set(loops[s["scenario"]] for s in summary["scenarios"])))))
    return out


def write_json(summary, path):
    with open(path, "w") as f:
        json.dump(summary, f, indent=1, sort_keys=True)
        f.write("\n")


def plot_lag(summary, path):
    """Lag (lines written but not yet read by the server) over time, one line per run."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    for key, pts in sorted(summary["lag"].items()):
        pts = [p for p in pts if p[1] is not None]
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], label=key, linewidth=1.5)
    ax.set_xlabel("seconds since the flood started")
    ax.set_ylabel("lag (lines written, not yet read)")
    title = "f2btune replay: %s, %s lines, rate %s" % (summary["kind"], summary["lines"], summary["rate"])
    if summary.get("cpu_quota"):
        title += ", CPU quota %s%%" % summary["cpu_quota"]
    ax.set_title(title, fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
