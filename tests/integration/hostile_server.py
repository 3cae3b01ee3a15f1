#!/usr/bin/env python3
"""Local HTTP servers that misbehave on purpose, for the fetch stage's tests.

Import it (start(...) runs a server in a daemon thread) or run it with python3 (it is
not executable on purpose, so tests/run-all.sh does not take it for a test):
    hostile_server.py HOST PORT [--robots ok|500|disallow:/private|delay:SECONDS]
Every request is logged as (monotonic time, host:port, path) in the server's .log list, which the
politeness test reads.  stdlib only; binds 127.0.0.x only.

Paths:
  /ok, /page/N        small HTML page
  /slow               headers, then one body byte a second, forever
  /endless            an endless fast body (no Content-Length)
  /trickle            500 bytes a second, forever (fast enough for a low-speed limit,
                      so only the total timeout ends it)
  /bomb               gzip bomb: ~250 KB on the wire inflating to 256 MiB
  /loop, /loop2       redirect loop
  /to?u=URL           302 to URL (redirect to 127.0.0.1, 169.254.169.254, ...)
  /retry?n=K&ra=S     429 with Retry-After: S for the first K requests, then 200
  /unavail            503 Retry-After: 1 forever
  /bigheaders         200 with ~200 KB of response headers
  /badchunk           chunked encoding with a bad chunk size
  /feed.xml           an RSS feed of /page/1../page/3
  /etag               200 with ETag "v1" and Last-Modified; 304 when the request
                      carries If-None-Match: "v1"
"""
import http.server
import socketserver
import sys
import threading
import time
import zlib
from urllib.parse import parse_qs, urlsplit

_BOMB = None
_BOMB_LOCK = threading.Lock()


def bomb():
    global _BOMB
    with _BOMB_LOCK:
        if _BOMB is None:
            # Streamed so this process never holds the 256 MiB (a test measuring the
            # worker's RSS forks from it).
            z = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
            mib = b"\0" * (1 << 20)
            _BOMB = b"".join([z.compress(mib) for _ in range(256)] + [z.flush()])
        return _BOMB


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, robots="ok"):
        super().__init__(addr, Handler)
        self.robots = robots
        self.log = []  # (monotonic, "host:port", path)
        self.agents = []  # (path, User-Agent header or None)
        self.counts = {}
        self.lock = threading.Lock()

    def handle_error(self, request, client_address):
        pass  # clients hanging up on hostile responses is the point, not news


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def _send(self, code, body=b"", ctype="text/html; charset=utf-8", headers=()):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        srv = self.server
        host = "%s:%d" % srv.server_address[:2]
        u = urlsplit(self.path)
        q = parse_qs(u.query)
        with srv.lock:
            srv.log.append((time.monotonic(), host, self.path))
            srv.agents.append((self.path, self.headers.get("User-Agent")))
            srv.counts[self.path] = srv.counts.get(self.path, 0) + 1
            count = srv.counts[self.path]
        p = u.path
        try:
            if p == "/robots.txt":
                if srv.robots == "500":
                    return self._send(500, b"oops")
                if srv.robots.startswith("delay:"):
                    body = ("User-agent: *\nCrawl-delay: %s\n" % srv.robots[6:]).encode()
                    return self._send(200, body, "text/plain")
                if srv.robots.startswith("disallow:"):
                    body = ("User-agent: *\nDisallow: %s\n" % srv.robots[9:]).encode()
                    return self._send(200, body, "text/plain")
                return self._send(404, b"none")
            if p == "/ok" or p.startswith("/page/"):
                body = ("<html><head><title>%s</title></head><body><p>Hello from %s"
                        "</p></body></html>" % (p, host)).encode()
                return self._send(200, body)
            if p == "/feed.xml":
                items = "".join("<item><title>p%d</title><link>http://%s/page/%d</link></item>"
                                % (i, host, i) for i in (1, 2, 3))
                body = ('<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
                        "%s</channel></rss>" % items).encode()
                return self._send(200, body, "application/rss+xml")
            if p == "/etag":
                if self.headers.get("If-None-Match") == '"v1"':
                    self.send_response(304)
                    self.send_header("ETag", '"v1"')
                    self.end_headers()
                    return
                return self._send(200, b"<html><body>versioned</body></html>",
                                  headers=[("ETag", '"v1"'),
                                           ("Last-Modified", "Sun, 01 Nov 2026 10:00:00 GMT")])
            if p == "/slow":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", "100000")
                self.end_headers()
                for _ in range(600):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(1)
                return
            if p == "/trickle":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Connection", "close")
                self.end_headers()
                for _ in range(1200):
                    self.wfile.write(b"y" * 50)
                    self.wfile.flush()
                    time.sleep(0.1)
                return
            if p == "/endless":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Connection", "close")
                self.end_headers()
                chunk = b"<p>more</p>" * 6000
                while True:
                    self.wfile.write(chunk)
            if p == "/bomb":
                return self._send(200, bomb(), headers=[("Content-Encoding", "gzip")])
            if p == "/loop":
                return self._send(302, b"", headers=[("Location", "/loop2")])
            if p == "/loop2":
                return self._send(302, b"", headers=[("Location", "/loop")])
            if p == "/to":
                return self._send(302, b"", headers=[("Location", q["u"][0])])
            if p == "/retry":
                if count <= int(q.get("n", ["1"])[0]):
                    return self._send(429, b"slow down",
                                      headers=[("Retry-After", q.get("ra", ["1"])[0])])
                return self._send(200, b"<html><body>finally</body></html>")
            if p == "/unavail":
                return self._send(503, b"down", headers=[("Retry-After", "1")])
            if p == "/bigheaders":
                self.send_response(200)
                for i in range(2000):
                    self.send_header("X-Filler-%d" % i, "y" * 100)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
                return
            if p == "/badchunk":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self.wfile.write(b"5\r\nhello\r\nZZZ-not-hex\r\nbroken\r\n")
                self.wfile.flush()
                self.close_connection = True
                return
            return self._send(404, b"not found")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def start(host="127.0.0.1", port=0, robots="ok"):
    srv = Server((host, port), robots)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    return srv


if __name__ == "__main__":
    robots = "ok"
    if "--robots" in sys.argv:
        robots = sys.argv[sys.argv.index("--robots") + 1]
    s = start(sys.argv[1], int(sys.argv[2]), robots)
    print("listening on %s:%d" % s.server_address[:2], flush=True)
    threading.Event().wait()
