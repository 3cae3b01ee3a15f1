#!/usr/bin/env bash
# The worker's HTTP server as an attacker on the pod network meets it (issue 18):
# POST /reload and POST /loglevel need the bearer token of http.admin_token_file
# (401 without it or with a wrong one, 200 with it); with no token they answer only on
# a loopback listener (403 on 0.0.0.0); GET endpoints stay open; the token appears in
# no log line and not in /status.json; an unreadable token file stops the worker; and
# 200 half-open connections from one address (127.0.0.2) leave /healthz answering
# another address (127.0.0.1) within a second.
cd "$(dirname "$0")/../.." && . tests/lib/common.sh && . tests/lib/ops.sh

code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

# --- no token, listening on every interface: admin endpoints refused -----------------
P=$(free_port)
start_classify "$P" --set "http.listen=0.0.0.0:$P" || { echo "not ok - worker HTTP up"; tail "$T/worker.log"; exit 1; }
check "no token on 0.0.0.0: POST /reload 403" [ "$(code -XPOST "http://127.0.0.1:$P/reload")" = 403 ]
check "no token on 0.0.0.0: POST /loglevel 403" [ "$(code -XPOST "http://127.0.0.1:$P/loglevel?level=debug")" = 403 ]
check "GET /metrics stays open" [ "$(code "http://127.0.0.1:$P/metrics")" = 200 ]
check "GET /loglevel stays open" [ "$(code "http://127.0.0.1:$P/loglevel")" = 200 ]
exec 3>&-; wait "$WPID"

# --- a token file ---------------------------------------------------------------------
TOKEN=wwtok-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$TOKEN" >"$T/token"; chmod 600 "$T/token"
P=$(free_port)
start_classify "$P" --set "http.listen=0.0.0.0:$P" --set "http.admin_token_file=$T/token" \
    || { echo "not ok - worker with token up"; tail "$T/worker.log"; exit 1; }
check "token: POST /reload without it 401" [ "$(code -XPOST "http://127.0.0.1:$P/reload")" = 401 ]
check "token: 401 says how (WWW-Authenticate: Bearer)" \
    bash -c "curl -s -D - -o /dev/null -XPOST http://127.0.0.1:$P/reload | grep -qi '^www-authenticate: bearer'"
check "token: a wrong token 401" [ "$(code -XPOST -H "Authorization: Bearer ${TOKEN}x" "http://127.0.0.1:$P/reload")" = 401 ]
check "token: a prefix of it 401" [ "$(code -XPOST -H "Authorization: Bearer ${TOKEN:0:20}" "http://127.0.0.1:$P/reload")" = 401 ]
check "token: the right one, POST /reload 200" [ "$(code -XPOST -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$P/reload")" = 200 ]
check "token: POST /loglevel with it 200" [ "$(code -XPOST -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$P/loglevel?level=debug")" = 200 ]
check "token: the level did change" [ "$(curl -s "http://127.0.0.1:$P/loglevel")" = debug ]
check "token: /healthz /readyz /metrics / need none" bash -c \
    "for u in healthz readyz metrics '' status.json; do c=\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$P/\$u); [ \$c = 200 ] || [ \$c = 503 ] || exit 1; done"
curl -s "http://127.0.0.1:$P/status.json" >"$T/status.json"
curl -s "http://127.0.0.1:$P/" >"$T/status.html"

# --- a flood of half-open connections from one address ----------------------------------
python3 - "$P" >"$T/flood.txt" 2>&1 <<'PY' &
import socket, sys, time
port = int(sys.argv[1])
held, refused = [], 0
for _ in range(200):
    s = socket.socket()
    s.settimeout(2)
    try:
        s.bind(("127.0.0.2", 0))
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # never finished
        held.append(s)
    except OSError:
        refused += 1
print("opened", len(held), "refused", refused, flush=True)
time.sleep(6)
PY
FLOOD=$!
sleep 2
start=$(date +%s%N)
hc=$(curl -s -m 3 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/healthz")
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "200 half-open connections from 127.0.0.2: /healthz from 127.0.0.1 answers 200" [ "$hc" = 200 ]
check "... within a second (took ${ms} ms)" [ "$ms" -lt 1000 ]
check "/readyz answers too" bash -c "c=\$(curl -s -m 3 -o /dev/null -w '%{http_code}' http://127.0.0.1:$P/readyz); [ \$c = 200 ] || [ \$c = 503 ]"
wait "$FLOOD"
echo "# flood: $(cat "$T/flood.txt")"
exec 3>&-; wait "$WPID"
check "the token is in no log line" bash -c "! grep -qF '$TOKEN' '$T/worker.log'"
check "the token is not in /status.json or the status page" bash -c "! grep -qF '$TOKEN' '$T/status.json' '$T/status.html'"

# --- a token file that cannot be read stops the worker ----------------------------------
"$WW" classify --in - --out "file:$T/o2.jsonl" --set "http.listen=127.0.0.1:$(free_port)" \
    --set "http.admin_token_file=$T/missing" </dev/null 2>"$T/err.log"; rc=$?
check "missing token file: exit 2" [ "$rc" = 2 ]
check "missing token file: the error names it" grep -q "admin_token_file.*missing" "$T/err.log"
printf 'short\n' >"$T/short"
"$WW" classify --in - --out "file:$T/o3.jsonl" --set "http.listen=127.0.0.1:$(free_port)" \
    --set "http.admin_token_file=$T/short" </dev/null 2>"$T/err2.log"; rc=$?
check "a token under 16 bytes: exit 2" [ "$rc" = 2 ]
finish
