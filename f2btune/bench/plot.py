"""``--plot FILE.png``: a bar chart of the summary (matplotlib, Agg backend, no display needed)."""
from f2btune.errors import DependencyError, InputError


def plot_summary(summary, path):
    """Bars of warm lines/s (± sd) per candidate and stage, one colour per interpreter; cold as dots."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise DependencyError("--plot needs matplotlib (apt-get install python3-matplotlib): %s" % e)
    rows = summary["results"]
    groups = []
    for r in rows:
        key = (r["stage"], r["candidate"])
        if key not in groups:
            groups.append(key)
    pythons = [p["label"] for p in summary["pythons"]]
    width = 0.8 / max(1, len(pythons))
    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(groups) + 2), 4.8))
    for j, python in enumerate(pythons):
        xs, ys, errs, colds, xcold = [], [], [], [], []
        for i, key in enumerate(groups):
            r = next((r for r in rows if (r["stage"], r["candidate"]) == key and r["python"] == python), None)
            if r is None:
                continue
            x = i - 0.4 + width * (j + 0.5)
            xs.append(x)
            ys.append(r["lines_per_s"])
            errs.append(r["stdev"])
            if r.get("cold_lines_per_s"):
                xcold.append(x)
                colds.append(r["cold_lines_per_s"])
        ax.bar(xs, ys, width, yerr=errs, capsize=3, label=python + " (warm median ± sd)")
        if colds:
            ax.plot(xcold, colds, "D", color="black", markersize=5,
                    label="cold first pass" if j == 0 else None)
    for i, key in enumerate(groups):
        r = next(r for r in rows if (r["stage"], r["candidate"]) == key)
        if not r["agrees"]:
            ax.annotate("differs", (i, 0), textcoords="offset points", xytext=(0, 2), ha="center",
                        color="red", fontsize=8)
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(["%s\n%s" % (c, s) for s, c in groups], fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("lines per second (log scale)")
    sampled = summary["sample_lines"] < summary["lines"]
    ax.set_title("f2btune bench: %s (%s lines%s)" % (
        summary["log"].rsplit("/", 1)[-1], "{:,}".format(summary["lines"]),
        ", timed over %s" % "{:,}".format(summary["sample_lines"]) if sampled else ""), fontsize=10)
    ax.grid(axis="y", which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    try:
        fig.savefig(path, dpi=100)
    except OSError as e:
        raise InputError("cannot write %s: %s" % (path, e.strerror or e))
    finally:
        plt.close(fig)
    return path
