#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Draw docs/fleet-architecture.svg (the picture in docs/fleet.md) with matplotlib.

Run: python3 tools/fleet_diagram.py [OUTPUT.svg|OUTPUT.png]   (default docs/fleet-architecture.svg)
The output is deterministic (fixed hash salt, no date), so a re-run shows no diff.
"""
import os
import sys

# key -> (x, y, width, height, title, lines, colour); y grows upwards, units are points/10
BOXES = {
    "a": (0, 22, 30, 17, "host A (attacked)",
          ["log -> fail2ban jail -> Ban", "f2btune-ipset.py: local ipset", "f2btune-crowdsec.py:",
           "  queue (SQLite) + push thread"], "#fde8e8"),
    "lapi": (36, 22, 28, 17, "CrowdSec Local API",
             ["crowdsec -no-cs (LAPI only)", "alerts + decisions (SQLite)", "machines: JWT login",
              "bouncers: X-Api-Key"], "#e8eefd"),
    "b": (70, 22, 30, 17, "host B ... host N",
          ["f2btune fleet pull (systemd)", "stream every 1 s, dedup=false", "ipsets per family:",
           "  hash:ip (Ip), hash:net (Range)"], "#e8fde9"),
    "c": (70, 0, 30, 15, "or Debian's bouncer",
          ["crowdsec-firewall-bouncer", "(ipset / nftables), taking", "origins f2btune only"], "#f3f3f3"),
    "ign": (36, 0, 28, 15, "never blocked on B",
            ["its jails' ignoreip (union):", "Ip in it: skipped", "Range around it: nomatch",
             "Range inside it: skipped"], "#fff7dd"),
    "queue": (0, 0, 30, 15, "LAPI down or slow",
              ["bans queue on A (bounded,", "persisted), sent when it is", "back; key (jail, ip, start):",
               "never pushed twice"], "#fde8e8"),
}
# (from point, to point, label, label position)
ARROWS = [
    ((30, 30.5), (36, 30.5), "POST /v1/alerts", (33, 20.5)),
    ((64, 30.5), (70, 30.5), "GET /v1/decisions/stream", (67, 18.5)),
    ((64, 24), (70, 10), "", None),
    ((74, 22), (60, 15.6), "", None),
]


def draw(out):
    import matplotlib
    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "f2btune-fleet"
    matplotlib.rcParams["svg.fonttype"] = "none"
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch
    fig, ax = plt.subplots(figsize=(10, 4.6))
    ax.set_xlim(-1, 101)
    ax.set_ylim(-1, 40)
    ax.axis("off")
    for x, y, w, h, title, lines, colour in BOXES.values():
        ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.3", fc=colour, ec="#333"))
        ax.text(x + 1, y + h - 2.2, title, fontsize=10.5, fontweight="bold")
        for k, line in enumerate(lines):
            ax.text(x + 1, y + h - 5.4 - 3 * k, line, fontsize=9)
    for (x1, y1), (x2, y2), label, pos in ARROWS[:3]:
        ax.annotate("", xy=(x2, y2), xytext=(x1, y1), arrowprops=dict(arrowstyle="-|>", lw=1.6, color="#333"))
        if label:
            ax.text(pos[0], pos[1], label, fontsize=8.5, ha="center", style="italic")
    (x1, y1), (x2, y2) = ARROWS[3][:2]
    ax.annotate("", xy=(x2, y2), xytext=(x1, y1),
                arrowprops=dict(arrowstyle="-", lw=1, color="#999", linestyle="dotted"))
    ax.text(50, -2.2, "a ban on A is blocked on B in about a second; while the LAPI is down, "
            "bans queue on A and arrive later, once", fontsize=8.5, ha="center", color="#555")
    fig.savefig(out, bbox_inches="tight", metadata={"Date": None} if out.endswith(".svg") else None)


def main(argv):
    out = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs",
                                                     "fleet-architecture.svg")
    draw(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
