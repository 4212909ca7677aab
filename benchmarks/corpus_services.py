#!/usr/bin/env python3
"""Check f2btune's service filters against the stock ones on real captured logs.

For every file under the corpus (default ../shared/corpus) with sshd lines, run fail2ban's own
Filter with stock ``sshd`` and with ``f2btune-sshd`` (mode normal, logtype file) over the whole
file, in file order, and compare per line: the same lines must report a failure, with the same
address.  The same for ``apache-auth`` / ``f2btune-apache-auth`` on Apache error logs.

Every line where they differ is classified.  Two kinds are expected, each checked by an
independent parse (string operations only: no regex, no fail2ban):
  folded        an rsyslog fold, ``sshd[pid]: message repeated N times: [ <message>]``, that
                f2btune matches and stock does not; the filter must report the address that
                ends the inner message, with N in its ``repeats`` group;
  sshd-session  OpenSSH >= 9.8's ``sshd-session[pid]:`` tag, unknown to stock 1.0.2's sshd.conf;
                the filter must report the address after the message's last " from ".
Any other difference is listed and makes the file disagree.

Per file: the lines stock matches, the lines f2btune matches, the folded lines, the attempts
they stand for (the sum of N) and the unfolded truth, stock's lines plus those attempts.  Where
a file has folds, stock also runs over the file unfolded as text (each fold replaced by N
copies of its inner message): its failures per address must equal f2btune's, a fold weighted
by its ``repeats`` (what a backend counting N per fold sees).  Exit status 1 if any file disagrees.
Usage:  .venv/bin/python benchmarks/corpus_services.py [CORPUS_DIR] [--json]
"""
import argparse
import ipaddress
import json
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from common import markdown_table  # noqa: E402  (benchmarks/common.py, beside this script)

FOLD_HEAD = "message repeated "
PAIRS = (
    # (stock filter, f2btune filter, options, does this file belong to the pair?)
    ("sshd", "f2btune-sshd", {}, lambda text: " sshd[" in text or " sshd-session[" in text),
    ("apache-auth", "f2btune-apache-auth", {}, lambda text: "] [error] [client " in text or ":error] [" in text),
)


def last_from_address(text):
    """The address after the last " from " of a message (sshd ends its failures with it), else None."""
    words = text.split(" ")
    if "from" not in words:
        return None
    at = len(words) - 1 - words[::-1].index("from")
    try:
        return str(ipaddress.ip_address(words[at + 1])) if at + 1 < len(words) else None
    except ValueError:
        return None


def fold(line):
    """Independent parse of an rsyslog fold: (N, address ending the inner message), else None."""
    tag_end = line.find("]: " + FOLD_HEAD)
    if tag_end < 0:
        return None
    rest = line[tag_end + 3 + len(FOLD_HEAD):]
    count, _, rest = rest.partition(" times: [")
    if not count.isdigit() or not rest.endswith("]"):
        return None
    addr = last_from_address(rest[:-1])
    return (int(count), addr) if addr else None


def session_tag(line):
    """Independent parse of OpenSSH >= 9.8's per-session tag: the address the line ends with, else None."""
    if " sshd-session[" not in line or "]: " not in line:
        return None
    return last_from_address(line.split("]: ", 1)[1])


def unfold(lines):
    """The log as if rsyslog had not folded: each fold becomes N copies of its inner message."""
    out = []
    for line in lines:
        parsed = fold(line)
        if parsed is None:
            out.append(line)
            continue
        head = line[:line.find("]: ") + 3]
        inner = line[line.find(" times: [") + len(" times: ["):-1].lstrip(" ")
        out.extend([head + inner] * parsed[0])
    return out


def per_address(hits, weighted=False):
    """Failures per address; ``weighted``: a fold counts its N (the ``repeats`` group)."""
    counts = {}
    for hit in hits:
        if hit is not None:
            counts[hit[0]] = counts.get(hit[0], 0) + (int(hit[1]) if weighted and hit[1] else 1)
    return counts


def results(flt, lines):
    """Per line: (address, repeats) of the first failure fail2ban's Filter reports, or None."""
    out = []
    for line in lines:
        try:
            found = flt.processLine(line)
        except Exception:
            found = None
        hit = None
        for item in found or ():
            fid, fail = item[1], item[3]
            if fid is not None and not fail.get("nofail"):
                hit = (str(fid), fail.get("repeats"))
                break
        out.append(hit)
    return out


def compare_file(path, stock, ours, corpus, make_stock):
    with open(path, "r", encoding="utf-8", errors="replace") as f:
        lines = [l.rstrip("\r\n") for l in f]
    a, b = results(stock, lines), results(ours, lines)
    folded, session, other, attempts = [], [], [], 0
    for i, (x, y) in enumerate(zip(a, b)):
        parsed = fold(lines[i])
        if x is None and y is not None and parsed and y == (parsed[1], str(parsed[0])):
            folded.append(i)
            attempts += parsed[0]
        elif x is None and y is not None and y[0] == session_tag(lines[i]):
            session.append(i)   # stock 1.0.2's sshd.conf knows only the "sshd" tag
        elif (x and x[0]) != (y and y[0]) or parsed:
            other.append(i)
    stock_n = sum(x is not None for x in a)
    truth = None
    if folded:
        # stock over the textually unfolded log: the attempts, one line each, per address
        truth = per_address(results(make_stock(), unfold(lines)))
    return {
        "file": os.path.relpath(path, corpus), "lines": len(lines),
        "stock": stock_n, "f2btune": sum(y is not None for y in b),
        "folded": len(folded), "fold_attempts": attempts, "sshd_session": len(session),
        "sshd_session_lines": [lines[i] for i in session], "unfolded_truth": stock_n + attempts,
        "stock_on_unfolded": sum(truth.values()) if truth else stock_n,
        "per_address_equal": truth is None or truth == per_address(b, weighted=True),
        "n_other": len(other), "other": [lines[i] for i in other[:5]],
        "agrees": not other and (truth is None or truth == per_address(b, weighted=True)),
    }


def corpus_files(corpus):
    for d, _, files in sorted(os.walk(corpus)):
        for name in sorted(files):
            if name.endswith(".log") or ".log." in name:
                yield os.path.join(d, name)


def run(corpus):
    from f2btune.f2b import make_filter, quiet_logging
    from f2btune.paths import build_confdir
    quiet_logging()
    rows = []
    with tempfile.TemporaryDirectory(prefix="f2btune-corpus-") as tmp:
        conf = build_confdir(os.path.join(tmp, "conf"))
        for path in corpus_files(corpus):
            with open(path, "r", encoding="utf-8", errors="replace") as f:
                text = f.read()
            for stock, ours, options, belongs in PAIRS:
                if belongs(text):
                    def make_stock():
                        return make_filter(stock, confdir=conf, options=options)
                    row = compare_file(path, make_stock(), make_filter(ours, confdir=conf, options=options),
                                       corpus, make_stock)
                    row["filters"] = "%s / %s" % (stock, ours)
                    rows.append(row)
    return rows


def table(rows):
    return markdown_table(
        ("file", "filters", "lines", "stock", "f2btune", "folded", "fold attempts", "unfolded truth",
         "stock on unfolded", "per address", "sshd-session", "other", "agrees"),
        [(r["file"], r["filters"], r["lines"], r["stock"], r["f2btune"], r["folded"], r["fold_attempts"],
          r["unfolded_truth"], r["stock_on_unfolded"], "equal" if r["per_address_equal"] else "DIFFER",
          r["sshd_session"], r["n_other"], "yes" if r["agrees"] else "NO") for r in rows])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", nargs="?", default=os.path.join(os.path.dirname(ROOT), "shared", "corpus"))
    ap.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = ap.parse_args(argv)
    if not os.path.isdir(args.corpus):
        print("corpus not found: %s" % args.corpus, file=sys.stderr)
        return 2
    rows = run(args.corpus)
    print(json.dumps(rows, indent=1) if args.json else table(rows))
    if not args.json:
        for r in rows:
            for line in r["sshd_session_lines"]:
                print("\n%s: sshd-session (stock: no match): %s" % (r["file"], line))
            if not r["agrees"]:
                print("\n%s (%s): %s" % (r["file"], r["filters"], r["other"]))
    return 0 if all(r["agrees"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
