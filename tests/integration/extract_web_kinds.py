#!/usr/bin/env python3
"""Extraction on the web as it is (issue 14): one TAP line per check (TAP output).

    tests/integration/extract_web_kinds.py        # Env: WW (bin/wirewatch), WW_ROOT

Every tests/fixtures/extract-web/<kind>/<page>.html is a page written for wirewatch
that reproduces one kind of extraction failure met on real news and blog pages; next
to it, <page>.expect.json says what a right extraction gives:
  url           the URL the page was fetched as (`$WW extract --url URL`)
  title         the expected Document title (exact)
  contains      snippets the text must contain
  not_contains  snippets the text must not contain (navigation, teasers, invisible
                characters written as JSON escapes ...)
  comments      reader comments expected with `$WW extract --comments` (parse.comments):
                a list of {"author", "published", "text"} where "text" is a snippet of
                the comment's text; the run without --comments must have no comments,
                and no comment text may appear in the article text either way.
At the end, per kind, the number of checks passed (TAP comments).  Exit status 0 when
all pass.  Standard library only.
"""
import glob
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import check, done  # noqa: E402

ROOT = os.environ.get("WW_ROOT") or os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
WW = os.environ.get("WW") or os.path.join(ROOT, "bin", "wirewatch")
FIX = os.path.join(ROOT, "tests", "fixtures", "extract-web")

per_kind = {}


def tally(kind, ok, name, extra=""):
    p, t = per_kind.get(kind, (0, 0))
    per_kind[kind] = (p + (1 if ok else 0), t + 1)
    check(ok, name, extra)


def extract(path, url, comments):
    args = [WW, "extract", "--url", url] + (["--comments"] if comments else []) + [path]
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0 or not r.stdout.strip():
        return None, "exit %d: %s" % (r.returncode, r.stderr.strip()[:200])
    try:
        d = json.loads(r.stdout.splitlines()[0])
    except ValueError as e:
        return None, "bad JSON: %s" % e
    if "error" in d:
        return None, d["error"]
    return d, ""


def short(s, n=50):
    s = s.encode("unicode_escape").decode("ascii") if any(
        ord(c) in (0xAD, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF) for c in s) else s
    return s if len(s) <= n else s[:n] + "..."


def run_page(kind, html, exp):
    name = "%s/%s" % (kind, os.path.basename(html)[:-5])
    d, err = extract(html, exp["url"], False)
    if d is None:
        tally(kind, False, name + ": extracted", err)
        return
    text = d.get("text") or ""
    if "title" in exp:
        tally(kind, d.get("title") == exp["title"], name + ": title",
              "got %r" % d.get("title"))
    for s in exp.get("contains", []):
        tally(kind, s in text, name + ": contains " + short(s))
    for s in exp.get("not_contains", []):
        tally(kind, s not in text, name + ": does not contain " + short(s))
    if "comments" not in exp:
        return
    want = exp["comments"]
    tally(kind, not d.get("comments"), name + ": no comments unless asked for")
    for c in want:
        tally(kind, c["text"] not in text, name + ": comment not in text: " + short(c["text"]))
    dc, err = extract(html, exp["url"], True)
    if dc is None:  # every comment check below fails, with the reason on the first
        dc = {"text": None}
    got = dc.get("comments") or []
    tally(kind, len(got) == len(want), name + ": %d comments" % len(want),
          err or "got %d: %s" % (len(got), json.dumps(got, ensure_ascii=False)[:300]))
    tally(kind, (dc.get("text") or "") == text, name + ": text unchanged by --comments")
    for k, c in enumerate(want):
        g = got[k] if k < len(got) else {}
        ok = (g.get("author") == c["author"] and g.get("published", "") ==
              c.get("published", "") and c["text"] in (g.get("text") or ""))
        tally(kind, ok, name + ": comment %d by %s" % (k + 1, c["author"]),
              "got %s" % json.dumps(g, ensure_ascii=False)[:300])


def main():
    pages = sorted(glob.glob(os.path.join(FIX, "*", "*.html")))
    check(len(pages) > 0, "fixtures found under tests/fixtures/extract-web")
    for html in pages:
        kind = os.path.basename(os.path.dirname(html))
        with open(html[:-5] + ".expect.json", encoding="utf-8") as f:
            exp = json.load(f)
        run_page(kind, html, exp)
    for kind in sorted(per_kind):
        p, t = per_kind[kind]
        print("# %s: %d/%d checks pass" % (kind, p, t))
    return done()


if __name__ == "__main__":
    sys.exit(main())
