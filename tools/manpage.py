#!/usr/bin/env python3
"""Write a help2man include file with one section per f2btune subcommand (from its --help).

Used by debian/rules: help2man renders ``f2btune --help``; this adds a COMMANDS section
holding each ``f2btune COMMAND --help`` verbatim, and the exit statuses.
"""
import argparse
import contextlib
import io
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def roff(text):
    """Escape plain text for a no-fill roff block."""
    out = []
    for line in text.rstrip("\n").split("\n"):
        line = line.replace("\\", "\\e")
        if line.startswith((".", "'")):
            line = "\\&" + line
        out.append(line)
    return "\n".join(out)


def command_help(parser, name):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        try:
            parser.parse_args([name, "--help"])
        except SystemExit:
            pass
    return buf.getvalue()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--include", required=True, help="file to write")
    args = ap.parse_args()
    from f2btune.cli import COMMANDS, build_parser
    parser = build_parser()
    parts = ["[COMMANDS]"]
    for name in COMMANDS:
        parts.append('.SS "f2btune %s"' % name)
        parts.append(".nf")
        parts.append(roff(command_help(parser, name)))
        parts.append(".fi")
    parts.append("[EXIT STATUS]")
    parts.append("0 success; 1 error (bad input, missing file or dependency); 2 bad command line;\n"
                 "3 the command ran and found problems (e.g. check findings); 130 interrupted.")
    parts.append("[SEE ALSO]")
    parts.append(".BR fail2ban (1),\n.BR fail2ban-client (1),\n.BR jail.conf (5)")
    with open(args.include, "w") as f:
        f.write("\n".join(parts) + "\n")


if __name__ == "__main__":
    main()
