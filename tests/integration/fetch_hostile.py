#!/usr/bin/env python3
"""Hostile-server suite for `wirewatch fetch`: every hostile URL ends in the right
terminal status event, in bounded time and memory, and the worker keeps serving.

The SSRF guard stays ON: the servers listen on 127.0.0.2 / 127.0.0.3, which the test
allows through fetch.allow_cidrs, so a redirect to 127.0.0.1 or 169.254.169.254 must
be refused.  Env: WW (binary), WW_ROOT (repo root).  TAP output."""
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import check, done  # noqa: E402
import hostile_server  # noqa: E402

WW = os.environ.get("WW", "bin/wirewatch")


def main():
    hostile_server.bomb()  # build it before the clock starts
    a = hostile_server.start("127.0.0.2", 0)
    b = hostile_server.start("127.0.0.3", 0, robots="500")
    A = "http://127.0.0.2:%d" % a.server_address[1]
    B = "http://127.0.0.3:%d" % b.server_address[1]
    cases = [
        # url, expected status, expected limit (or None), extra check
        (A + "/slow", "timeout", "low_speed"),
        (A + "/trickle", "timeout", "total_timeout"),
        (A + "/endless", "too-large", None),
        (A + "/bomb", "too-large", "max_decoded_bytes"),
        (A + "/loop", "too-many-redirects", "max_redirects"),
        (A + "/to?u=http://127.0.0.1:%d/ok" % a.server_address[1], "ssrf-denied", None),
        (A + "/to?u=http://169.254.169.254/latest/meta-data/", "ssrf-denied", None),
        (A + "/to?u=http://[::ffff:169.254.169.254]/", "ssrf-denied", None),
        (A + "/to?u=ftp://127.0.0.2/x", "denied", None),
        (B + "/ok", "robots-denied", None),
        (A + "/retry?n=1&ra=1", "fetched", None),
        (A + "/unavail", "http-error", "max_retries"),
        (A + "/bigheaders", "too-large", "max_header_bytes"),
        (A + "/badchunk", "error", None),
        (A + "/missing", "http-error", None),
        ("http://127.0.0.1:%d/ok" % a.server_address[1], "ssrf-denied", None),
        (A + "/ok", "fetched", None),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        urls = os.path.join(tmp, "urls.txt")
        with open(urls, "w") as f:
            for c in cases:
                f.write(c[0] + "\n")
        pages = os.path.join(tmp, "pages.jsonl")
        status = os.path.join(tmp, "status.jsonl")
        cmd = [WW, "fetch", "--in", "file:" + urls,
               "--out", "file:" + pages, "--status", "file:" + status,
               "--set", 'fetch.allow_cidrs=["127.0.0.2/32","127.0.0.3/32"]',
               "--set", "fetch.host_delay_ms=0", "--set", "fetch.max_host_connections=32",
               "--set", "fetch.low_speed_bytes=100", "--set", "fetch.low_speed_time_s=2",
               "--set", "fetch.timeout_ms=4000", "--set", "fetch.max_wire_bytes=2000000",
               "--set", "fetch.max_body_bytes=4000000", "--set", "fetch.max_retries=2",
               "--set", "fetch.backoff_base_ms=100"]
        t0 = time.monotonic()
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        took = time.monotonic() - t0
        check(p.returncode == 0, "worker exits 0")
        if p.returncode != 0:
            print("\n".join("# " + l for l in p.stderr.splitlines()[:80]))
        check(took < 30, "suite ends in bounded time (%.1f s)" % took)
        # The worker is this process's only child: its peak RSS, in kB on Linux.
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        check(0 < rss < 100 * 1024, "peak RSS under 100 MB (%d kB)" % rss)
        events = {}
        if os.path.exists(status):
            for line in open(status):
                ev = json.loads(line)
                events.setdefault(ev["url"], []).append(ev)
        for url, want, limit in cases:
            evs = events.get(url, [])
            got = evs[0]["status"] if evs else None
            ok = len(evs) == 1 and got == want
            if ok and limit:
                ok = limit in evs[0].get("limits_hit", [])
            check(ok, "%s -> %s%s" % (url.split("/", 3)[-1], want, " [%s]" % limit if limit else ""),
                  json.dumps(evs))
        got_pages = [json.loads(l) for l in open(pages)] if os.path.exists(pages) else []
        finals = {pg["final_url"] for pg in got_pages}
        check(A + "/ok" in finals and A + "/retry?n=1&ra=1" in finals,
              "pages emitted for the good URLs only", repr(finals))
        check(len(got_pages) == 2, "exactly two pages", str(len(got_pages)))
        # Retry-After honoured: the retry came at least 1 s after the 429.
        t = [e[0] for e in a.log if e[2].startswith("/retry")]
        check(len(t) == 2 and t[1] - t[0] >= 0.95, "Retry-After 1 s honoured", repr(t))
        check(not any(e[2] == "/ok" for e in b.log), "robots 500: page never requested",
              repr(b.log))
        check(not any(e[2] == "/ok" and e[1].startswith("127.0.0.1") for e in a.log),
              "nothing reached 127.0.0.1")
    return done()


if __name__ == "__main__":
    sys.exit(main())
