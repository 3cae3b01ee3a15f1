#!/usr/bin/env python3
"""Check a classified seed article (issue 2 / issue 6 acceptance).

    bin/wirewatch run ../shared/fixtures/seed-article.txt | tests/integration/seed_check.py
    tests/integration/seed_check.py FILE.txt     # runs $WW run FILE.txt itself

Reads the classified JSON (one object, or JSON lines: the last document is checked) on
stdin.  With no input on stdin and no FILE (as in `make test`), it runs
`$WW run tests/fixtures/classify/seed-like.txt` -- our own paraphrase of a story like
the seed, with scraping noise -- so the whole pipeline is checked end to end in the
test suite, while the real seed (not in the repository) is checked by hand.
It asserts, printing TAP lines:
  * labels espionage and intelligence (medtop:20000605), national security
    (medtop:20000604), a topic under environment (medtop:06000000) and
    non-governmental organisation (medtop:20000646), each with evidence whose spans
    are the UTF-8 byte ranges of their text in the document text;
  * every IPTC label carries the taxonomy version;
  * entities China (iso3166:CN) and USA (iso3166:US) with valid spans;
  * none of the scraping-noise lines ("close", bare "05:29") left in the text.
Exit status 0 when all pass.  Standard library only.
"""
import json
import os
import re
import subprocess
import sys

ROOT = os.environ.get("WW_ROOT") or os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))))
TAXONOMY = os.path.join(ROOT, "workers/classify/data/iptc-mediatopic.json")

failures = 0
count = 0


def check(ok, name, detail=""):
    global failures, count
    count += 1
    print(("ok" if ok else "not ok") + f" {count} - {name}" + (f" # {detail}" if detail and not ok else ""))
    if not ok:
        failures += 1


def subtree(root):
    with open(TAXONOMY, encoding="utf-8") as f:
        topics = json.load(f)["topics"]
    parent = {t["code"]: t.get("parent") for t in topics}
    out = set()
    for code in parent:
        c = parent[code]
        while c:
            if c == root:
                out.add(code)
                break
            c = parent.get(c)
    return out


def spans_ok(spans, text_bytes):
    if not spans:
        return False, "no spans"
    for s in spans:
        a, b = s.get("start", 0), s.get("end", 0)
        if not (0 <= a < b <= len(text_bytes)):
            return False, f"span {a}..{b} outside the text"
        if text_bytes[a:b].decode("utf-8", "replace") != s.get("text", ""):
            return False, f"span {a}..{b} is {text_bytes[a:b]!r}, says {s.get('text')!r}"
    return True, ""


def run_ww(path):
    ww = os.environ.get("WW") or os.path.join(ROOT, "bin/wirewatch")
    p = subprocess.run([ww, "run", path], capture_output=True, timeout=120)
    if p.returncode != 0:
        print(p.stderr.decode("utf-8", "replace")[-2000:], file=sys.stderr)
        print(f"seed_check: {ww} run {path} exited {p.returncode}", file=sys.stderr)
        sys.exit(1)
    return p.stdout.decode("utf-8").strip()


def main():
    if len(sys.argv) > 1:
        raw = run_ww(sys.argv[1])
    else:
        raw = "" if sys.stdin.isatty() else sys.stdin.read().strip()
        if not raw:
            raw = run_ww(os.path.join(ROOT, "tests/fixtures/classify/seed-like.txt"))
    if not raw:
        print("seed_check: no classified document", file=sys.stderr)
        return 1
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError:
        doc = json.loads(raw.splitlines()[-1])
    text = doc.get("text", "")
    tb = text.encode("utf-8")
    labels = {l.get("code"): l for l in doc.get("labels", [])}
    env = subtree("medtop:06000000")
    want = [("medtop:20000605", "espionage and intelligence"),
            ("medtop:20000604", "national security"),
            ("medtop:20000646", "non-governmental organisation")]
    for code, name in want:
        l = labels.get(code)
        check(l is not None, f"label {name} ({code})")
        if l:
            ok, why = spans_ok(l.get("evidence"), tb)
            check(ok, f"evidence for {name}", why)
    env_labels = [c for c in labels if c in env]
    check(bool(env_labels), "a label under environment (medtop:06000000)",
          "labels: " + ", ".join(labels))
    if env_labels:
        ok, why = spans_ok(labels[env_labels[0]].get("evidence"), tb)
        check(ok, f"evidence for {labels[env_labels[0]].get('name')}", why)
    iptc = [l for l in doc.get("labels", []) if l.get("taxonomy") == "iptc-mediatopic"]
    check(bool(iptc) and all(l.get("taxonomy_version") for l in iptc),
          "IPTC labels carry the taxonomy version")
    ents = {e.get("id"): e for e in doc.get("entities", [])}
    for eid, name in [("iso3166:CN", "China"), ("iso3166:US", "USA")]:
        e = ents.get(eid)
        check(e is not None, f"entity {name} ({eid})", "entities: " + ", ".join(ents))
        if e:
            ok, why = spans_ok(e.get("spans"), tb)
            check(ok, f"spans for {name}", why)
    lines = [ln.strip() for ln in text.splitlines()]
    check("close" not in [ln.lower() for ln in lines], "no bare 'close' line")
    check(not any(re.fullmatch(r"\d{1,2}:\d{2}", ln) for ln in lines), "no bare timestamp line")
    # a headline printed twice in a row (related-video teasers) keeps one copy
    dup = [a for a, b in zip([l for l in lines if l], [l for l in lines if l][1:]) if a == b]
    check(not dup, "no line repeated twice in a row", "; ".join(dup[:2]))
    print(f"1..{count}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
