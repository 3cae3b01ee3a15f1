#!/usr/bin/env python3
"""Politeness of `wirewatch fetch`: 4 hosts (127.0.0.2..5), 200 ms per-host delay,
max 2 connections per host.  Each host's request log shows no two requests closer
than the delay, robots.txt is fetched once per host, robots-disallowed paths are
never requested, and every URL gets exactly one status.  A fifth host (127.0.0.6)
asks for Crawl-delay: 0.5 in robots.txt and gets it.  Env: WW.  TAP output."""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import check, done  # noqa: E402
import hostile_server  # noqa: E402

WW = os.environ.get("WW", "bin/wirewatch")


def main():
    servers = [hostile_server.start("127.0.0.%d" % i, 0, robots="disallow:/private")
               for i in (2, 3, 4, 5)]
    bases = ["http://127.0.0.%d:%d" % (i, s.server_address[1]) for i, s in zip((2, 3, 4, 5), servers)]
    urls = []
    for k in range(6):  # interleave hosts, as a real input would
        for b in bases:
            urls.append("%s/page/%d" % (b, k))
    for b in bases:
        urls.append(b + "/private/secret")
        urls.append(b + "/private")
    slow = hostile_server.start("127.0.0.6", 0, robots="delay:0.5")
    slow_base = "http://127.0.0.6:%d" % slow.server_address[1]
    urls += ["%s/page/%d" % (slow_base, k) for k in range(3)]
    with tempfile.TemporaryDirectory() as tmp:
        uf = os.path.join(tmp, "urls.txt")
        open(uf, "w").write("\n".join(urls) + "\n")
        st = os.path.join(tmp, "status.jsonl")
        pg = os.path.join(tmp, "pages.jsonl")
        t0 = time.monotonic()
        p = subprocess.run([WW, "fetch", "--in", "file:" + uf, "--out", "file:" + pg,
                            "--status", "file:" + st,
                            "--set", 'fetch.allow_cidrs=["127.0.0.0/29"]',
                            "--set", "fetch.host_delay_ms=200",
                            "--set", "fetch.max_host_connections=2"],
                           capture_output=True, text=True, timeout=60)
        took = time.monotonic() - t0
        check(p.returncode == 0, "worker exits 0", p.stderr[-1500:])
        evs = [json.loads(l) for l in open(st)] if os.path.exists(st) else []
        by = {}
        for e in evs:
            by.setdefault(e["url"], []).append(e["status"])
        check(all(len(by.get(u, [])) == 1 for u in urls) and len(evs) == len(urls),
              "one status per URL (%d)" % len(urls), repr(by))
        check(all(by.get(u) == ["fetched"] for u in urls if "/page/" in u), "pages fetched")
        log = sorted(slow.log)
        gaps = [round((y[0] - x[0]) * 1000, 1) for x, y in zip(log, log[1:])]
        check(len(log) == 4 and min(gaps) >= 500.0,
              "Crawl-delay 0.5 s honoured: min gap %.1f ms" % (min(gaps) if gaps else -1), repr(gaps))
        check(all(by.get(u) == ["robots-denied"] for u in urls if "/private" in u),
              "disallowed paths get robots-denied")
        # 7 requests per host (robots + 6 pages) at >= 200 ms apart: >= 1.2 s in all,
        # hosts in parallel so not much more.
        check(1.2 <= took < 10, "hosts served in parallel (%.2f s)" % took)
        for s, b in zip(servers, bases):
            log = sorted(s.log)
            gaps = [round((y[0] - x[0]) * 1000, 1) for x, y in zip(log, log[1:])]
            check(len(log) == 7 and min(gaps) >= 200.0,
                  "%s: %d requests, min gap %.1f ms >= 200" % (b, len(log), min(gaps) if gaps else -1),
                  repr(gaps))
            paths = [e[2] for e in log]
            check(paths.count("/robots.txt") == 1, "%s: robots.txt fetched once" % b, repr(paths))
            check(not any(pth.startswith("/private") for pth in paths),
                  "%s: disallowed paths never requested" % b, repr(paths))
    return done()


if __name__ == "__main__":
    sys.exit(main())
