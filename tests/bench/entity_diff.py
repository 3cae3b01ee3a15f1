#!/usr/bin/env python3
"""Which entities two builds find differently, story by story (a review aid, not a test).

    tests/bench/entity_diff.py OLD_WIREWATCH NEW_WIREWATCH [FILE ...]

FILEs default to every story under tests/fixtures/stories/ and stories-heldout/.  Each
build runs `wirewatch run` over all of them; for every story whose set of (entity name,
type) differs, one line says what the new build lost and what it found, with the text
of the spans.  Use it before and after a change to names, stems or the gazetteer.
Standard library only.
"""
import glob
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def entities(ww, files):
    p = subprocess.run([ww, "run"] + files, capture_output=True, timeout=600)
    if p.returncode != 0:
        sys.exit(f"{ww} run exited {p.returncode}")
    found = {}
    for ln in p.stdout.decode("utf-8").splitlines():
        d = json.loads(ln)
        if "labels" in d or "entities" in d:
            found[d.get("url")] = {(e["name"], e["type"]): [s["text"] for s in e["spans"]]
                                   for e in d.get("entities", [])}
    return found


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    files = sys.argv[3:] or sorted(
        glob.glob(os.path.join(ROOT, "tests/fixtures/stories/*/*.txt")) +
        glob.glob(os.path.join(ROOT, "tests/fixtures/stories-heldout/*/*.txt")))
    files = [os.path.abspath(f) for f in files]
    old, new = entities(sys.argv[1], files), entities(sys.argv[2], files)
    changed = 0
    for url in sorted(old):
        a, b = old[url], new.get(url, {})
        if set(a) == set(b):
            continue
        changed += 1
        lost = [(k[0], a[k]) for k in a if k not in b]
        gained = [(k[0], b[k]) for k in b if k not in a]
        print(f"{url.replace('file://' + ROOT + '/', '')}: lost {lost} found {gained}")
    print(f"# {changed} of {len(files)} stories differ")


if __name__ == "__main__":
    main()
