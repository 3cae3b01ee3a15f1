#!/usr/bin/env python3
"""`wirewatch fetch` over TLS against a local nginx: HTTP/2 when the server offers it
(HTTP/1.1 with fetch.http2=false), gzip on the wire decoded to the exact file, and
certificate verification on by default (an unknown CA fails; fetch.ca_file trusts it).
nginx (Debian nginx-light) and the openssl CLI are started/used as the current user in
a temp dir.  Env: WW.  TAP output."""
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import check, done  # noqa: E402
from free_port import free_port  # noqa: E402

WW = os.environ.get("WW", "bin/wirewatch")


def fetch(tmp, url, *sets):
    uf = os.path.join(tmp, "u.txt")
    open(uf, "w").write(url + "\n")
    pg, st = os.path.join(tmp, "p.jsonl"), os.path.join(tmp, "s.jsonl")
    for f in (pg, st):
        if os.path.exists(f):
            os.unlink(f)
    cmd = [WW, "fetch", "--in", "file:" + uf, "--out", "file:" + pg, "--status", "file:" + st,
           "--allow-private", "--set", "fetch.obey_robots=false"]
    for s in sets:
        cmd += ["--set", s]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    load = lambda f: [json.loads(l) for l in open(f)] if os.path.exists(f) else []
    return p, load(pg), load(st)


def main():
    for tool in ("nginx", "openssl"):
        if not shutil.which(tool) and not os.path.exists("/usr/sbin/" + tool):
            print("1..0 # SKIP %s not installed" % tool)
            return 0
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    tmp = tempfile.mkdtemp(prefix="ww-h2-")
    os.chmod(tmp, 0o755)  # nginx workers may run as another user when root starts it
    proc = None
    try:
        www = os.path.join(tmp, "www")
        os.makedirs(www)
        page = ("<html><head><title>h2</title></head><body>" +
                "<p>compressible paragraph of news text</p>\n" * 3000 + "</body></html>\n").encode()
        open(os.path.join(www, "page.html"), "wb").write(page)
        cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True)
        port = free_port()
        conf = os.path.join(tmp, "nginx.conf")
        open(conf, "w").write("""
worker_processes 1;
daemon off;
pid %(t)s/nginx.pid;
error_log %(t)s/error.log warn;
events { worker_connections 64; }
http {
    log_format w '$request $status $bytes_sent $server_protocol';
    access_log %(t)s/access.log w;
    client_body_temp_path %(t)s/b; proxy_temp_path %(t)s/p; fastcgi_temp_path %(t)s/f;
    uwsgi_temp_path %(t)s/u; scgi_temp_path %(t)s/s;
    types { text/html html; }
    gzip on; gzip_types text/html; gzip_min_length 0;
    server {
        listen 127.0.0.1:%(p)d ssl http2;
        ssl_certificate %(t)s/cert.pem;
        ssl_certificate_key %(t)s/key.pem;
        root %(t)s/www;
    }
}
""" % {"t": tmp, "p": port})
        proc = subprocess.Popen([nginx, "-p", tmp, "-c", conf, "-e", os.path.join(tmp, "error.log")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        url = "https://127.0.0.1:%d/page.html" % port

        p, pages, st = fetch(tmp, url)
        check(p.returncode == 0 and [e["status"] for e in st] == ["tls-error"] and not pages,
              "unknown CA: refused (verification on by default)", json.dumps(st))

        p, pages, st = fetch(tmp, url, "fetch.ca_file=" + cert)
        ok = len(pages) == 1 and [e["status"] for e in st] == ["fetched"]
        check(ok, "trusted via fetch.ca_file: fetched", json.dumps(st) + p.stderr[-300:])
        if ok:
            check(pages[0].get("http_version") == "2", "HTTP/2 negotiated",
                  pages[0].get("http_version", ""))
            check(base64.b64decode(pages[0]["body"]) == page, "gzip body decoded to the file")
        log = open(os.path.join(tmp, "access.log")).read().split("\n")
        sent = [l.split() for l in log if "page.html" in l]
        check(sent and sent[-1][-1] == "HTTP/2.0" and int(sent[-1][-2]) < len(page) // 5,
              "server sent it compressed over HTTP/2 (%s bytes for %d)" %
              (sent[-1][-2] if sent else "?", len(page)), repr(sent))

        p, pages, st = fetch(tmp, url, "fetch.ca_file=" + cert, "fetch.http2=false")
        check(len(pages) == 1 and pages[0].get("http_version") == "1.1",
              "fetch.http2=false: HTTP/1.1", json.dumps([pg.get("http_version") for pg in pages]))
    finally:
        if proc:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    return done()


if __name__ == "__main__":
    sys.exit(main())
