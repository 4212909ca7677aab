#!/usr/bin/env python3
"""Check filter.d/f2btune-synflood.conf on real captured kern.log/ufw.log files.

For every file under the corpus (default ../shared/corpus) that holds netfilter LOG
lines, and for every log prefix found in it, run fail2ban's own Filter with
``f2btune-synflood[logprefix=<that prefix>]`` (mode syn, logtype file) and compare the
matched lines and addresses with an independent reference parse that uses plain string
operations only (split on spaces, field lookups; no regular expressions):

    a line is expected to match when it is a syslog line (RFC3164 or RFC3339 stamp) whose
    tag is "kernel:", whose text after the optional [uptime] stamp is exactly
    <prefix>IN=..., whose outer packet (before any "[" of an ICMP-quoted packet) arrived on
    an interface (IN= not empty), is PROTO=TCP with the SYN flag and without the ACK flag,
    and whose SRC is not 0.0.0.0/::.

Outbound SYN lines (IN= empty: the host's own packets, logged by an OUTPUT rule) are counted
apart: none of them may match (column "outbound SYN" / "matched outbound").

Prints a per-file table (markdown, or JSON with --json); exit status 1 if any file
disagrees. Usage:  .venv/bin/python benchmarks/corpus_synflood.py [CORPUS_DIR] [--json]
"""
import argparse
import ipaddress
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

FILTER = os.path.join(ROOT, "filter.d", "f2btune-synflood.conf")
MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
TCP_FLAGS = {"CWR", "ECE", "URG", "ACK", "PSH", "RST", "SYN", "FIN"}


def _is_hms(s):
    parts = s.split(":")
    return len(parts) == 3 and all(len(p) == 2 and p.isdigit() for p in parts)


def _is_rfc3339(s):
    date, sep, rest = s.partition("T")
    return (sep == "T" and len(date) == 10 and date[4] == "-" and date[7] == "-"
            and date.replace("-", "").isdigit() and _is_hms(rest[:8]))


def kernel_text(line):
    """The text after 'kernel: [uptime] ' of a syslog kernel line, else None."""
    words = line.split(" ")
    # RFC3164: "Mmm dd HH:MM:SS host kernel: ..." (day may be space-padded -> empty word)
    if words and words[0] in MONTHS:
        i = 1
        while i < len(words) and words[i] == "":
            i += 1
        if i + 2 >= len(words) or not words[i].isdigit() or not _is_hms(words[i + 1]):
            return None
        host_i = i + 2
    elif words and _is_rfc3339(words[0]):
        host_i = 1
    else:
        return None
    if host_i + 1 >= len(words) or not words[host_i] or words[host_i + 1] != "kernel:":
        return None
    text = " ".join(words[host_i + 2:])
    if text.startswith("["):
        close = text.find("] ")
        stamp = text[1:close].strip() if close > 0 else ""
        if close > 0 and stamp.replace(".", "", 1).isdigit():
            text = text[close + 2:]
    return text


def parse(line):
    """Reference parse: (prefix, is_syn, src, outbound_syn) of a netfilter LOG line, else None.

    ``is_syn``: an inbound SYN (IN= not empty); ``outbound_syn``: a SYN with an empty IN=."""
    text = kernel_text(line)
    if text is None:
        return None
    at = text.find("IN=")
    if at < 0 or " SRC=" not in text:
        return None
    prefix, fields = text[:at], text[at:]
    outer = fields.split("[", 1)[0].split(" ")
    if not outer[0].startswith("IN=") or len(outer) < 2 or not outer[1].startswith("OUT="):
        return None
    src = next((w[4:] for w in outer if w.startswith("SRC=")), None)
    if src is None:
        return None
    proto = next((w[6:] for w in outer if w.startswith("PROTO=")), None)
    flags = {w for w in outer if w in TCP_FLAGS}
    inbound = outer[0] != "IN="
    is_syn = proto == "TCP" and "SYN" in flags and "ACK" not in flags
    try:
        addr = ipaddress.ip_address(src)
    except ValueError:
        return None
    if addr.is_unspecified:
        is_syn = False
    return prefix, is_syn and inbound, addr.compressed, is_syn and not inbound


def regex_escape(prefix):
    """logprefix for a literal prefix: metacharacters escaped (as a user would write it)."""
    out = []
    for ch in prefix.rstrip(" "):
        out.append("\\" + ch if ch in ".^$*+?{}[]\\|()" else ch)
    return "".join(out)


def check_file(path, make_filter, corpus=None):
    with open(path, "r", encoding="utf-8", errors="replace") as f:
        lines = [l.rstrip("\r\n") for l in f]
    parsed = [parse(l) for l in lines]
    prefixes = sorted({p[0] for p in parsed if p is not None and not p[0].startswith("message repeated")})
    if not prefixes:
        prefixes = [""]  # no LOG lines (sshd logs, web logs, ...): a negative control
    rows = []
    for prefix in prefixes:
        logprefix = regex_escape(prefix)
        flt = make_filter(FILTER, options={"logprefix": logprefix})
        expected = {i: p[2] for i, p in enumerate(parsed) if p is not None and p[0] == prefix and p[1]}
        outbound = {i for i, p in enumerate(parsed) if p is not None and p[0] == prefix and p[3]}
        got, wrong_addr = {}, []
        for i, line in enumerate(lines):
            res = flt.processLine(line)
            if res:
                host = str(res[0][1])
                got[i] = ipaddress.ip_address(host).compressed
        missed = sorted(set(expected) - set(got))
        extra = sorted(set(got) - set(expected))
        wrong_addr = sorted(i for i in set(got) & set(expected) if got[i] != expected[i])
        rows.append({
            "file": os.path.relpath(path, corpus or os.path.dirname(os.path.dirname(path))),
            "logprefix": logprefix,
            "lines": len(lines),
            "log_lines": sum(1 for p in parsed if p is not None and p[0] == prefix),
            "reference_syn": len(expected),
            "matched": len(got),
            "missed": [lines[i] for i in missed[:3]], "n_missed": len(missed),
            "extra": [lines[i] for i in extra[:3]], "n_extra": len(extra),
            "wrong_address": [lines[i] for i in wrong_addr[:3]], "n_wrong_address": len(wrong_addr),
            "sources": len(set(expected.values())),
            "outbound_syn": len(outbound), "matched_outbound": len(outbound & set(got)),
            "agrees": not missed and not extra and not wrong_addr,
        })
    return rows


def corpus_files(corpus):
    for d, _, files in sorted(os.walk(corpus)):
        for name in sorted(files):
            if name.endswith(".log"):
                yield os.path.join(d, name)


def run(corpus):
    from f2btune.f2b import make_filter, quiet_logging
    quiet_logging()
    cache = {}

    def cached(spec, options):
        key = tuple(sorted(options.items()))
        if key not in cache:
            cache[key] = make_filter(spec, options=options)
        return cache[key]

    rows = []
    for path in corpus_files(corpus):
        rows.extend(check_file(path, cached, corpus))
    return rows


def table(rows):
    out = ["| file | logprefix | LOG lines | reference SYN | matched | missed | extra | wrong addr | sources "
           "| outbound SYN | matched outbound | agrees |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append("| %s | `%s` | %d | %d | %d | %d | %d | %d | %d | %d | %d | %s |" % (
            r["file"], r["logprefix"] or "(none)", r["log_lines"], r["reference_syn"], r["matched"],
            r["n_missed"], r["n_extra"], r["n_wrong_address"], r["sources"], r["outbound_syn"],
            r["matched_outbound"], "yes" if r["agrees"] else "NO"))
    tot = lambda k: sum(r[k] for r in rows)
    out.append("| **total** | | %d | %d | %d | %d | %d | %d | | %d | %d | %s |" % (
        tot("log_lines"), tot("reference_syn"), tot("matched"), tot("n_missed"), tot("n_extra"),
        tot("n_wrong_address"), tot("outbound_syn"), tot("matched_outbound"),
        "yes" if all(r["agrees"] for r in rows) else "NO"))
    return "\n".join(out)


SUMMED = ("log_lines", "reference_syn", "matched", "n_missed", "n_extra", "n_wrong_address",
          "outbound_syn", "matched_outbound")


def per_file(rows):
    """One row per file with netfilter LOG lines (prefixes summed)."""
    out, order = {}, []
    for r in rows:
        if r["log_lines"] == 0:
            continue
        f = out.get(r["file"])
        if f is None:
            order.append(r["file"])
            f = out[r["file"]] = dict(r, logprefix=[], sources=0)
            for k in SUMMED:
                f[k] = 0
        f["logprefix"].append(r["logprefix"] or "(none)")
        for k in SUMMED:
            f[k] += r[k]
        f["agrees"] = f["agrees"] and r["agrees"]
    result = []
    for name in order:
        f = out[name]
        f["logprefix"] = ", ".join(f["logprefix"])
        result.append(f)
    return result


def file_table(rows):
    out = ["| file | logprefix runs | LOG lines | reference SYN | matched | missed | extra | wrong addr "
           "| outbound SYN | matched outbound | agrees |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in per_file(rows):
        out.append("| %s | `%s` | %d | %d | %d | %d | %d | %d | %d | %d | %s |" % (
            r["file"], r["logprefix"], r["log_lines"], r["reference_syn"], r["matched"],
            r["n_missed"], r["n_extra"], r["n_wrong_address"], r["outbound_syn"], r["matched_outbound"],
            "yes" if r["agrees"] else "NO"))
    tot = lambda k: sum(r[k] for r in rows)
    out.append("| **total** (%d files) | | %d | %d | %d | %d | %d | %d | %d | %d | %s |" % (
        len(per_file(rows)), tot("log_lines"), tot("reference_syn"), tot("matched"), tot("n_missed"),
        tot("n_extra"), tot("n_wrong_address"), tot("outbound_syn"), tot("matched_outbound"),
        "yes" if all(r["agrees"] for r in rows) else "NO"))
    return "\n".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", nargs="?", default=os.path.join(os.path.dirname(ROOT), "shared", "corpus"))
    ap.add_argument("--json", action="store_true", help="print the rows as JSON")
    ap.add_argument("--per-prefix", action="store_true",
                    help="one row per (file, prefix) and the negative-control files too")
    args = ap.parse_args(argv)
    if not os.path.isdir(args.corpus):
        print("corpus not found: %s" % args.corpus, file=sys.stderr)
        return 2
    rows = run(args.corpus)
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        print(table(rows) if args.per_prefix else file_table(rows))
        for r in rows:
            if not r["agrees"]:
                print("\n%s [%s]: missed %s extra %s wrong %s" % (
                    r["file"], r["logprefix"], r["missed"], r["extra"], r["wrong_address"]))
    return 0 if all(r["agrees"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
