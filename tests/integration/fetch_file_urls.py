#!/usr/bin/env python3
"""Who may make fetch read a local file (issue 18, docs/security.md): with the default
fetch.allow_file=false, a worker refuses file:// requests on every input - stdin, a
request file, as bare URLs, paths or FetchRequest JSON - and `wirewatch run` reads only
the files its command line names (directly, as file:// URLs, or in an @FILE list),
never a file:// URL a local feed or sitemap lists or a redirect points to.
fetch.allow_file=true lets a worker read them.  Env: WW, WW_ROOT.  TAP output."""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import check, done  # noqa: E402
import hostile_server  # noqa: E402

WW = os.environ.get("WW", "bin/wirewatch")
SECRET = "/etc/passwd"
NOHTTP = ["--set", "http.listen="]


def lines(path):
    if not os.path.exists(path):
        return []
    return [json.loads(l) for l in open(path) if l.strip()]


def worker(tmp, name, stdin_text, *extra):
    """wirewatch fetch reading stdin (or a request file given in extra): (rc, pages,
    statuses, stderr)."""
    pages, st = os.path.join(tmp, name + ".pages.jsonl"), os.path.join(tmp, name + ".st.jsonl")
    args = list(extra) if "--in" in extra else ["--in", "-"] + list(extra)
    p = subprocess.run([WW, "fetch"] + args + ["--out", "file:" + pages, "--status",
                                               "file:" + st] + NOHTTP,
                       input=stdin_text, capture_output=True, text=True, timeout=60)
    return p.returncode, lines(pages), lines(st), p.stderr


def run(tmp, name, *inputs, allow_private=False):
    """wirewatch run: (rc, documents, fetch statuses, stdout, stderr)."""
    st = os.path.join(tmp, name + ".st")
    cmd = [WW, "run", "--status", "file:" + st] + (["--allow-private"] if allow_private else [])
    p = subprocess.run(cmd + list(inputs), capture_output=True, text=True, timeout=60)
    docs = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    return p.returncode, docs, lines(st + ".fetch.jsonl"), p.stdout, p.stderr


def main():
    with tempfile.TemporaryDirectory() as tmp:
        story = os.path.join(tmp, "story.html")
        with open(story, "w") as f:
            f.write("<html><head><title>Harbour story</title></head><body><article><p>" +
                    "The harbour master said the spill was contained. " * 30 +
                    "</p></article></body></html>")
        secret_url = "file://" + SECRET

        # --- a worker's input: refused by default, however the request is written -------
        reqs = "\n".join([secret_url, story, json.dumps({"url": secret_url,
                                                          "origin": "FILE"})]) + "\n"
        rc, pages, st, err = worker(tmp, "stdin", reqs)
        check(rc == 0 and len(st) == 3 and all(e["status"] == "denied" for e in st),
              "stdin: file:///etc/passwd, a path and a FetchRequest for it are all denied",
              json.dumps(st) + err[-400:])
        check(all("fetch.allow_file" in e.get("detail", "") for e in st),
              "... and the status says which setting allows them")
        check(pages == [], "... and no page is published", json.dumps(pages)[:300])

        uf = os.path.join(tmp, "reqs.txt")
        with open(uf, "w") as f:
            f.write(secret_url + "\n" + story + "\n")
        rc, pages, st, err = worker(tmp, "file", "", "--in", "file:" + uf)
        check(rc == 0 and [e["status"] for e in st] == ["denied", "denied"] and pages == [],
              "request file: file:// URL and path denied, no page", json.dumps(st) + err[-400:])

        rc, pages, st, err = worker(tmp, "allowed", story + "\n", "--set",
                                    "fetch.allow_file=true")
        check(rc == 0 and [e["status"] for e in st] == ["fetched"] and len(pages) == 1
              and pages[0]["final_url"] == "file://" + story,
              "with fetch.allow_file=true the worker reads the file", json.dumps(st) + err[-400:])

        # --- wirewatch run: its own command-line inputs are read ---------------------------
        for name, arg in (("path", story), ("url", "file://" + story)):
            rc, docs, st, out, err = run(tmp, name, arg)
            check(rc == 0 and len(docs) == 1 and docs[0].get("title") == "Harbour story",
                  "wirewatch run %s: one document" % ("FILE" if name == "path" else "file://FILE"),
                  out[-300:] + err[-400:])
        lst = os.path.join(tmp, "list.txt")
        with open(lst, "w") as f:
            f.write("# inputs\n" + story + "\n")
        rc, docs, st, out, err = run(tmp, "list", "@" + lst)
        check(rc == 0 and len(docs) == 1 and docs[0].get("title") == "Harbour story",
              "wirewatch run @LIST: the listed file is read", out[-300:] + err[-400:])

        # --- ... but not what they lead to -----------------------------------------------
        feed = os.path.join(tmp, "feed.xml")
        with open(feed, "w") as f:
            f.write('<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
                    "<item><title>a</title><link>%s</link></item>"
                    "<item><title>b</title><link>file://%s</link></item>"
                    "<item><title>c</title><link>story.html</link></item>"
                    "</channel></rss>" % (secret_url, story))
        sitemap = os.path.join(tmp, "sitemap.xml")
        with open(sitemap, "w") as f:
            f.write('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/'
                    'sitemap/0.9"><url><loc>%s</loc></url><url><loc>file://%s</loc></url>'
                    "</urlset>" % (secret_url, story))
        for name, path in (("feed", feed), ("sitemap", sitemap)):
            rc, docs, st, out, err = run(tmp, name, path)
            read = [e["url"] for e in st if e["status"] == "fetched" and e["url"] != "file://" + path]
            check(docs == [] and read == [] and "root:" not in out,
                  "wirewatch run local %s: the file:// URLs it lists are not read" % name,
                  json.dumps(st)[:600] + out[-300:])

        srv = hostile_server.start("127.0.0.1", 0)
        redir = "http://127.0.0.1:%d/to?u=%s" % (srv.server_address[1], secret_url)
        rc, docs, st, out, err = run(tmp, "redirect", redir, allow_private=True)
        check(docs == [] and "root:" not in out and st and st[-1]["status"] != "fetched",
              "wirewatch run URL redirecting to file:///etc/passwd: not followed (%s)"
              % (st[-1]["status"] if st else "no status"), json.dumps(st)[:600] + err[-400:])
        srv.shutdown()
    return done()


if __name__ == "__main__":
    sys.exit(main())
