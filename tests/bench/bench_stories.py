#!/usr/bin/env python3
"""Top-1 top-level accuracy of the default rules on a directory of stories, per
language and per topic (figures, not a test).

    tests/bench/bench_stories.py [DIR]     # default tests/fixtures/stories-heldout
    Env: WW (default bin/wirewatch)

DIR/<lang>/<NN>-<name>.txt: headline, blank line, body; NN is the expected top-level
IPTC topic (medtop:NN000000).  Every file is classified by one `$WW run`; the top-1 is
the first label (score order) whose code is a top-level topic.  A miss prints the topic
it went to and the four best top levels with their scores.  Standard library only.
"""
import collections
import glob
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WW = os.environ.get("WW") or os.path.join(ROOT, "bin/wirewatch")
TAXONOMY = os.path.join(ROOT, "workers/classify/data/iptc-mediatopic.json")


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        ROOT, "tests/fixtures/stories-heldout")
    with open(TAXONOMY, encoding="utf-8") as f:
        tax = json.load(f)
    tops = {t["code"]: t["name"] for t in tax["topics"] if not t.get("parent")}
    files = sorted(glob.glob(os.path.join(os.path.abspath(root), "*", "*.txt")))
    if not files:
        sys.exit(f"no stories under {root}")
    p = subprocess.run([WW, "run"] + files, capture_output=True, timeout=600)
    if p.returncode != 0:
        sys.stderr.write(p.stderr.decode("utf-8", "replace")[-2000:])
        sys.exit(f"{WW} run exited {p.returncode}")
    docs = {}
    for ln in p.stdout.decode("utf-8").splitlines():
        d = json.loads(ln)
        if "labels" in d:
            docs[d.get("url")] = d
    by_lang, by_topic = collections.defaultdict(list), collections.defaultdict(list)
    for path in files:
        lang = os.path.basename(os.path.dirname(path))
        sid = os.path.basename(path)[:-4]
        want = "medtop:%s000000" % sid.split("-")[0]
        d = docs.get("file://" + path)
        labs = [l for l in (d or {}).get("labels", []) if l["code"] in tops]
        got = labs[0]["code"] if labs else None
        ok = got == want
        by_lang[lang].append(ok)
        by_topic[want].append(ok)
        if not ok:
            best = ", ".join("%s %.1f" % (l["code"][7:9], l["score"]) for l in labs[:4])
            print(f"# miss {lang}/{sid}: {tops.get(got, 'no top-level label')} [{best}]")
    print("| language | top-1 |")
    print("|---|---|")
    for lang, v in sorted(by_lang.items()):
        print(f"| {lang} | {sum(v)}/{len(v)} |")
    print(f"| all | {sum(sum(v) for v in by_lang.values())}/{len(files)} |")
    print("\n| topic | top-1 |")
    print("|---|---|")
    for code, v in sorted(by_topic.items()):
        print(f"| {code[7:9]} {tops[code]} | {sum(v)}/{len(v)} |")


if __name__ == "__main__":
    main()
