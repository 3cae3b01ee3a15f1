#!/usr/bin/env python3
"""Feeds in fetch.feeds are re-polled on an adaptive schedule.

A local server (127.0.0.1) serves an RSS feed that gains one item on each of its
first GROW requests, then stays the same (ETag; 304 on If-None-Match).  The worker
reads stdin, which stays open, so only its timer drives it.  Checks, from the
server's request log and the worker's outputs: every item goes out on --discovered
exactly once and (follow_discovered) is fetched once; the gap between polls shrinks
while items keep coming and grows once they stop; unchanged polls are 304s; a second
feed on 127.0.0.2, outside fetch.allow_cidrs, is refused by the SSRF guard and never
reaches its server; SIGTERM ends the worker cleanly.  Env: WW.  TAP output."""
import http.server
import json
import os
import signal
import socketserver
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import check, done  # noqa: E402

WW = os.environ.get("WW", "bin/wirewatch")
GROW = 6          # requests that each add an item
START_ITEMS = 2


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr):
        super().__init__(addr, Handler)
        self.lock = threading.Lock()
        self.log = []  # (monotonic, path, If-None-Match or None, status)
        self.items = START_ITEMS
        self.feed_requests = 0


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, code, body=b"", ctype="text/html", extra=()):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_GET(self):
        s = self.server
        inm = self.headers.get("If-None-Match")
        base = "http://%s:%d" % s.server_address
        with s.lock:
            if self.path == "/feed.xml":
                s.feed_requests += 1
                if s.feed_requests <= GROW and s.feed_requests > 1:
                    s.items += 1
                etag = '"v%d"' % s.items
                if inm == etag:
                    code, body = 304, b""
                else:
                    code = 200
                    items = "".join("<item><title>Story %d</title><link>%s/a/%d</link></item>"
                                    % (i, base, i) for i in range(s.items, 0, -1))
                    body = ('<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
                            "<link>%s/</link>%s</channel></rss>" % (base, items)).encode()
                s.log.append((time.monotonic(), self.path, inm, code))
            else:
                s.log.append((time.monotonic(), self.path, inm, 200))
        if self.path == "/feed.xml":
            self.send(code, body, "application/rss+xml", [("ETag", etag)])
        elif self.path == "/robots.txt":
            self.send(200, b"User-agent: *\nAllow: /\n", "text/plain")
        else:
            self.send(200, b"<html><head><title>a</title></head><body><p>story</p></body></html>")


def start(host):
    s = Server((host, 0))
    threading.Thread(target=s.serve_forever, daemon=True).start()
    return s


def jsonl(path):
    if not os.path.exists(path):
        return []
    return [json.loads(l) for l in open(path) if l.strip()]


def main():
    srv = start("127.0.0.1")
    other = start("127.0.0.2")
    feed = "http://127.0.0.1:%d/feed.xml" % srv.server_address[1]
    denied = "http://127.0.0.2:%d/feed.xml" % other.server_address[1]
    with tempfile.TemporaryDirectory() as tmp:
        st, pg, disc = (os.path.join(tmp, f) for f in ("st.jsonl", "pg.jsonl", "disc.jsonl"))
        p = subprocess.Popen(
            [WW, "fetch", "--in", "-", "--out", "file:" + pg, "--status", "file:" + st,
             "--discovered", "file:" + disc,
             "--set", "fetch.feeds=" + json.dumps([feed, denied]),
             "--set", 'fetch.allow_cidrs=["127.0.0.1/32"]',
             "--set", "fetch.feed_interval_s=2", "--set", "fetch.feed_min_interval_s=0.25",
             "--set", "fetch.feed_max_interval_s=2", "--set", "fetch.host_delay_ms=50",
             "--set", "fetch.follow_discovered=true"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            # Growth: 2+1+0.5+0.25*3 s at most (+10% jitter); then 0.5+1+2+2 unchanged.
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and srv.feed_requests < GROW + 4:
                time.sleep(0.1)
            t0 = time.monotonic()
            p.send_signal(signal.SIGTERM)
            try:
                _, err = p.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                _, err = p.communicate()
            took = time.monotonic() - t0
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        err = err.decode(errors="replace")
        polls = [e for e in list(srv.log) if e[1] == "/feed.xml"]
        check(p.returncode == 0 and took < 5,
              "SIGTERM ends the worker cleanly (rc %s, %.2f s)" % (p.returncode, took), err[-1500:])
        check(len(polls) >= GROW + 4, "feed polled %d times" % len(polls))
        gaps = [round(b[0] - a[0], 3) for a, b in zip(polls, polls[1:])]
        grow_gaps = gaps[:GROW]  # after each poll that found new items
        idle_gaps = gaps[GROW:]  # after polls that found nothing new
        # new items -> halve (jitter 10%, never below the min): 1.0, 0.5, 0.25, 0.25, ...
        check(len(grow_gaps) == GROW and grow_gaps[0] > grow_gaps[1] > max(grow_gaps[3:]) and
              min(grow_gaps) >= 0.24,
              "interval shrinks while items keep coming: %s" % grow_gaps)
        check(len(idle_gaps) >= 3 and idle_gaps[0] < idle_gaps[1] < idle_gaps[2] and
              idle_gaps[2] > 1.5 and max(idle_gaps) <= 2.6,
              "interval grows once they stop, up to the max: %s" % idle_gaps)
        after = polls[GROW:]
        check(len(after) >= 3 and all(e[2] is not None and e[3] == 304 for e in after),
              "unchanged feed polled with If-None-Match and answered 304 (%d)" % len(after),
              repr(after))
        check(all(e[3] == 200 for e in polls[:GROW]), "growing feed answered 200")
        items = START_ITEMS + GROW - 1
        want = {"http://127.0.0.1:%d/a/%d" % (srv.server_address[1], i)
                for i in range(1, items + 1)}
        d = [e["url"] for e in jsonl(disc)]
        check(sorted(d) == sorted(want), "each item discovered exactly once (%d)" % len(d),
              repr(sorted(d)))
        art = [e[1] for e in srv.log if e[1].startswith("/a/")]
        check(len(art) == items and len(set(art)) == items,
              "each item fetched once (follow_discovered): %d" % len(art), repr(art))
        check(len(jsonl(pg)) == items, "a page per item")
        evs = jsonl(st)
        fe = [e for e in evs if e["url"] == feed]
        check(len(fe) == len(polls) and
              all(e["status"] in ("fetched", "not-modified") for e in fe) and
              all("feed poll" in e.get("detail", "") for e in fe),
              "one status event per feed poll (%d)" % len(fe), repr(fe[:3]))
        de = [e for e in evs if e["url"] == denied]
        check(len(de) >= 1 and all(e["status"] == "ssrf-denied" for e in de) and not other.log,
              "feed outside allow_cidrs refused by the SSRF guard (%d polls)" % len(de),
              repr(de[:2]) + repr(other.log[:2]))
        check(srv.log and sum(1 for e in srv.log if e[1] == "/robots.txt") == 1,
              "robots.txt fetched once")
    srv.shutdown()
    other.shutdown()
    return done()


if __name__ == "__main__":
    sys.exit(main())
