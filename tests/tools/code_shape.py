#!/usr/bin/env python3
"""The code-shape limits a newcomer relies on (docs/architecture.md, "Code shape").

    tests/tools/code_shape.py [--top N] [ROOT]

Checks, over workers/ and include/ (.c, .h, .cc):
  * no file over 800 lines;
  * no function over 100 lines (function extents from universal-ctags: --fields=+ne);
  * no two source files that call each other (A.c calls a function defined in B.c and
    B.c calls one defined in A.c) — one-way dependencies between files.
Prints the longest functions (--top, default 10) and one TAP line per limit, so
tests/run-all.sh counts it.  Exit 1 when a limit is broken.
"""
import argparse
import os
import re
import subprocess
import sys
from collections import defaultdict

MAX_FILE_LINES = 800
MAX_FUNC_LINES = 100
CTAGS = ("ctags-universal", "ctags")
IDENT = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*\b")
# Comments and string literals do not call anything.
NOISE = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\])*"', re.S)


def sources(root):
    out = []
    for top in ("workers", "include"):
        for d, _, files in os.walk(os.path.join(root, top)):
            out += [os.path.join(d, f) for f in files if f.endswith((".c", ".h", ".cc"))]
    return sorted(out)


def functions(root, files):
    """[(lines, name, path, static)] for every function definition in the C files."""
    cfiles = [f for f in files if f.endswith(".c")]
    for exe in CTAGS:
        try:
            res = subprocess.run([exe, "--fields=+ne", "--c-kinds=f", "-o", "-"] + cfiles,
                                 capture_output=True, text=True, check=True)
            break
        except (OSError, subprocess.CalledProcessError):
            continue
    else:
        sys.exit("code_shape: universal-ctags is needed (Debian package universal-ctags)")
    funcs = []
    for line in res.stdout.splitlines():
        cols = line.split("\t")
        fields = dict(c.split(":", 1) for c in cols[3:] if ":" in c)
        if "line" in fields and "end" in fields:
            n = int(fields["end"]) - int(fields["line"]) + 1
            funcs.append((n, cols[0], os.path.relpath(cols[1], root), "file" in fields))
    return funcs


def mutual_calls(root, funcs):
    """Pairs of .c files in which each calls a function the other defines."""
    defined = defaultdict(set)  # external function name -> files defining it
    for _, name, path, static in funcs:
        if not static:  # a file-static function cannot be called from elsewhere
            defined[name].add(path)
    calls = defaultdict(dict)  # file -> {file it calls into: one function it calls}
    for path in {f[2] for f in funcs}:
        with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
            text = NOISE.sub(" ", f.read())
        for ident in set(IDENT.findall(text)):
            owners = defined.get(ident)
            if owners and path not in owners and len(owners) == 1:
                calls[path][next(iter(owners))] = ident
    pairs = {}
    for a, targets in calls.items():
        for b, fn in targets.items():
            if a < b and a in calls.get(b, {}):
                pairs[(a, b)] = (fn, calls[b][a])
    return sorted(pairs.items())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("root", nargs="?", default=os.path.join(os.path.dirname(__file__), "../.."))
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    files = sources(root)

    long_files = []
    for f in files:
        with open(f, encoding="utf-8", errors="replace") as fh:
            n = sum(1 for _ in fh)
        if n > MAX_FILE_LINES:
            long_files.append((n, os.path.relpath(f, root)))
    funcs = sorted(functions(root, files), reverse=True)
    long_funcs = [f for f in funcs if f[0] > MAX_FUNC_LINES]
    pairs = mutual_calls(root, funcs)

    print(f"# longest functions (lines, name, file):")
    for n, name, path, _ in funcs[: args.top]:
        print(f"#   {n:4d}  {name}  {path}")
    for n, path in long_files:
        print(f"# file over {MAX_FILE_LINES} lines: {path} ({n})")
    for n, name, path, _ in long_funcs:
        print(f"# function over {MAX_FUNC_LINES} lines: {name} in {path} ({n})")
    for (a, b), (fa, fb) in pairs:
        print(f"# files that call each other: {a} ({fa}) <-> {b} ({fb})")
    ok = True
    for desc, bad in ((f"no file over {MAX_FILE_LINES} lines", long_files),
                      (f"no function over {MAX_FUNC_LINES} lines", long_funcs),
                      ("no two files that call each other", pairs)):
        print(("ok" if not bad else "not ok") + f" - {desc}")
        ok = ok and not bad
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
