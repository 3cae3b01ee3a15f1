#!/usr/bin/env bash
# bench-fetch: `wirewatch fetch` against a local nginx serving 10,000 HTML pages of
# 20-80 KB, at 1, 64 and 1024 transfers in flight, and wrk against the same server
# in the same run.  Prints pages/s, MB/s, peak RSS and fetch/wrk ratios.
#
#   tests/bench/bench-fetch.sh [WW_BINARY]        (make bench-fetch)
#
# Env: PAGES (10000), PASSES (3), WRK_SECONDS (5), INFLIGHT ("1 64 1024"),
# NGINX_WORKERS (1), ROUNDS (5).
# Each concurrency runs ROUNDS rounds of wrk then fetch, back to back, and a last row
# gives the median of the rounds' fetch/wrk ratios: on a shared machine one pair can
# land in a slow or a fast moment of the host, the median of several is the figure.
# Everything runs on 127.0.0.1 as the current user in a temp dir that is removed.
# Pages are encoded as protobuf and written to /dev/null: the figure is fetching and
# encoding, not the disk.  Benchmarks print figures; they are not pass/fail tests.
set -euo pipefail
cd "$(dirname "$0")/../.."
WW=${1:-bin/wirewatch}
PAGES=${PAGES:-10000}
WRK_SECONDS=${WRK_SECONDS:-5}
PASSES=${PASSES:-3}
INFLIGHT=${INFLIGHT:-"1 64 1024"}
ROUNDS=${ROUNDS:-5}
NGINX_WORKERS=${NGINX_WORKERS:-1}
for tool in nginx wrk python3 /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench-fetch: $tool missing (make deps-bench)"; exit 2; }
done
[ -x "$WW" ] || { echo "bench-fetch: $WW not built (make build)"; exit 2; }
WW=$(realpath "$WW")

TMP=$(mktemp -d /tmp/ww-bench-fetch.XXXXXX)
chmod 755 "$TMP" # nginx workers may run as another user when started by root
NGINX_PID=
cleanup() {
    [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT

echo "bench-fetch: generating $PAGES pages in $TMP/www"
python3 - "$TMP/www" "$PAGES" <<'EOF'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
os.makedirs(os.path.join(root, "p"), exist_ok=True)
rnd = random.Random(42)
words = ("the government said on tuesday that minister council report market shares "
         "police city election court climate energy prices bank rate inflation talks "
         "security ministry foreign trade union workers strike harbour spill oil port "
         "agency officials according statement week year people country region").split()
for i in range(n):
    size = rnd.randint(20_000, 80_000)
    parts = ['<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Story %d</title>'
             '<meta property="og:title" content="Story %d"></head><body><nav><a href="/">Home</a>'
             '<a href="/news">News</a></nav><article><h1>Story %d</h1>' % (i, i, i)]
    total = sum(map(len, parts))
    while total < size:
        p = "<p>" + " ".join(rnd.choice(words) for _ in range(rnd.randint(30, 90))) + ".</p>\n"
        parts.append(p)
        total += len(p)
    parts.append("</article><footer>&copy; wirewatch bench</footer></body></html>\n")
    with open(os.path.join(root, "p", "%05d.html" % i), "w") as f:
        f.write("".join(parts))
EOF
BYTES=$(du -sb "$TMP/www/p" | cut -f1)

PORT=$(python3 tests/integration/free_port.py) # below the ephemeral range, as the tests
mkdir -p "$TMP/nginx/logs"
cat >"$TMP/nginx/nginx.conf" <<EOF
worker_processes $NGINX_WORKERS;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    keepalive_timeout 60;
    client_body_temp_path $TMP/nginx/body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;
    types { text/html html; }
    server {
        listen 127.0.0.1:$PORT;
        root $TMP/www;
    }
}
EOF
nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/logs/error.log" &
NGINX_PID=$!
for _ in $(seq 50); do
    curl -sf -o /dev/null "http://127.0.0.1:$PORT/p/00000.html" && break
    sleep 0.1
done
BASE="http://127.0.0.1:$PORT"
seq -f "$BASE/p/%05g.html" 0 $((PAGES - 1)) >"$TMP/urls.txt"
cat >"$TMP/wrk.lua" <<EOF
local n, i = $PAGES, 0
request = function()
    i = (i + 1) % n
    return wrk.format("GET", string.format("/p/%05d.html", i))
end
EOF

echo "bench-fetch: $PAGES pages, $((BYTES / 1000000)) MB, nginx $(nginx -v 2>&1 | cut -d/ -f2) ($NGINX_WORKERS worker) on $BASE, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "each row: wrk for ${WRK_SECONDS}s, then wirewatch fetch over the $PAGES URLs x $PASSES passes (a"
echo "?pass=N query makes every URL new, so no conditional GET), back to back so both see the"
echo "same machine load; client CPU = user+sys seconds of the client per 1000 pages"
printf '%-9s | %9s %9s %9s %9s | %9s %8s %9s %8s | %9s\n' "in-flight" "wrk req/s" "MB/s" "cpu/1k" "" \
    "fetch p/s" "MB/s" "cpu/1k" "peakRSS" "fetch/wrk"
for c in $INFLIGHT; do
  : >"$TMP/ratios.txt"
  for round in $(seq "$ROUNDS"); do
    /usr/bin/time -f "%U %S" -o "$TMP/wtime.txt" \
        wrk -t1 -c"$c" -d"${WRK_SECONDS}s" -s "$TMP/wrk.lua" "$BASE/" >"$TMP/wrk.out" 2>&1
    rps=$(awk '/Requests\/sec/ {print $2}' "$TMP/wrk.out")
    reqs=$(awk '/requests in/ {print $1}' "$TMP/wrk.out")
    wtr=$(awk '/Transfer\/sec/ {print $2}' "$TMP/wrk.out")
    read -r wu ws <"$TMP/wtime.txt"

    for pass in $(seq "$PASSES"); do sed "s/\$/?pass=$round.$pass/" "$TMP/urls.txt"; done >"$TMP/urls-n.txt"
    /usr/bin/time -f "%e %M %U %S" -o "$TMP/time.txt" "$WW" fetch --in "file:$TMP/urls-n.txt" \
        --out file:/dev/null --status "file:$TMP/status.pb" --allow-private --log-level info \
        --set fetch.max_in_flight="$c" --set fetch.max_host_connections="$c" \
        --set fetch.host_delay_ms=0 >/dev/null 2>"$TMP/fetch.log"
    read -r secs rss_kb fu fs <"$TMP/time.txt"
    pages=$(grep -o 'worker stopped: in [0-9]*, out [0-9]*' "$TMP/fetch.log" | awk '{print $6}')
    python3 - "$c" "$rps" "$reqs" "$wtr" "$wu" "$ws" "$pages" "$secs" "$rss_kb" "$fu" "$fs" \
        "$BYTES" "$PAGES" "$PASSES" "$TMP/ratios.txt" <<'PY'
import sys
c, rps, reqs, wtr, wu, ws, pages, secs, rss, fu, fs, nbytes, npages, passes, rf = sys.argv[1:]
rps, reqs, pages, secs = float(rps), float(reqs), int(pages), float(secs)
frate = pages / secs
fmb = int(nbytes) * int(passes) * (pages / (int(npages) * int(passes))) / secs / 1e6
print("%-9s | %9.0f %9s %9.3f %9s | %9.0f %8.1f %9.3f %6d MB | %9.2f" % (
    c, rps, wtr, (float(wu) + float(ws)) / reqs * 1000, "", frate, fmb,
    (float(fu) + float(fs)) / pages * 1000, int(rss) // 1024, frate / rps))
open(rf, "a").write("%f\n" % (frate / rps))
PY
    rm -f "$TMP/status.pb"
  done
  python3 - "$c" "$TMP/ratios.txt" <<'PY'
import statistics, sys
r = [float(x) for x in open(sys.argv[2])]
print("%-9s   median fetch/wrk of %d rounds: %.2f (range %.2f-%.2f)" % (
    sys.argv[1], len(r), statistics.median(r), min(r), max(r)))
PY
done
