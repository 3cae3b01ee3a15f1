#!/usr/bin/env python3
"""Which entities two builds find differently, story by story (a review aid, not a test).

    tests/bench/entity_diff.py OLD_WIREWATCH NEW_WIREWATCH [FILE ...]
    tests/bench/entity_diff.py OLD_WIREWATCH NEW_WIREWATCH DOCS.jsonl [--sample N] [--lang L]

FILEs default to every story under tests/fixtures/stories/ and stories-heldout/.  Each
build runs `wirewatch run` over all of them; for every story whose set of (entity name,
type) differs, one line says what the new build lost and what it found, with the text
of the spans.  Use it before and after a change to names, stems or the gazetteer.

With a JSON-lines file of Documents (a benchmark's dev set, read in place), each build
runs `wirewatch classify --in file:DOCS.jsonl` instead and the figures are totals: the
entities of each type, how many the new build found that the old did not (and lost),
and N of the new ones picked at random (seed 7) to be read by a person.  --lang sets
the language of documents that have none (the parse stage would: 10kGNAD is de).
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


def as_documents(path, tmp, lang):
    """The file's id, title, text and language only: a dev set's labels are no field of
    a Document, and classify dead-letters a line that has them."""
    with open(path, encoding="utf-8") as f, open(tmp, "w", encoding="utf-8") as out:
        for ln in f:
            if ln.strip():
                d = json.loads(ln)
                keep = {k: d[k] for k in ("id", "title", "text", "language") if k in d}
                if lang and "language" not in keep:
                    keep["language"] = lang
                out.write(json.dumps(keep, ensure_ascii=False) + "\n")


def classified(ww, path):
    p = subprocess.run([ww, "classify", "--in", "file:" + path, "--out", "-"],
                       capture_output=True, timeout=1800)
    if p.returncode != 0:
        sys.exit(f"{ww} classify exited {p.returncode}")
    found = {}
    for ln in p.stdout.decode("utf-8").splitlines():
        d = json.loads(ln)
        found[d["id"]] = {(e["name"], e["type"]) for e in d.get("entities", [])}
    return found


def totals(old_ww, new_ww, path, sample, lang):
    import collections
    import random
    import tempfile
    with tempfile.TemporaryDirectory(prefix="ww-entity-diff.") as tmpdir:
        docs = os.path.join(tmpdir, "docs.jsonl")
        as_documents(path, docs, lang)
        old, new = classified(old_ww, docs), classified(new_ww, docs)
    for label, got in (("old", old), ("new", new)):
        by_type = collections.Counter(t for ents in got.values() for _, t in ents)
        print(f"# {label}: " + ", ".join(f"{t} {n}" for t, n in sorted(by_type.items())))
    gained = sorted((k, e) for k in new for e in new[k] - old.get(k, set()))
    lost = sorted((k, e) for k in old for e in old[k] - new.get(k, set()))
    print(f"# found by the new build only: {len(gained)}; by the old only: {len(lost)}")
    random.seed(7)
    for k, (name, t) in random.sample(gained, min(sample, len(gained))):
        print(f"{k}\t{t}\t{name}")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    if len(sys.argv) >= 4 and sys.argv[3].endswith(".jsonl"):
        opts = dict(zip(sys.argv[4::2], sys.argv[5::2]))
        totals(sys.argv[1], sys.argv[2], sys.argv[3], int(opts.get("--sample", 0)),
               opts.get("--lang"))
        return
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
