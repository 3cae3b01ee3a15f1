#!/usr/bin/env bash
# Security (issue 8, docs/security.md): a Kafka SASL password never leaves the process
# (stderr at debug level, --print-config, /metrics, /status.json, /, /healthz, /readyz),
# and the HTTP server listens on 127.0.0.1 only by default.
# SSRF and TLS are tested by fetch_hostile.py and fetch_http2.py.
cd "$(dirname "$0")/../.." && . tests/lib/common.sh
SECRET="pw-$(od -An -tx8 -N8 /dev/urandom | tr -d ' ')"
KPORT=$(free_port)   # nothing listens there: the worker retries the "broker" forever
HPORT=$(free_port)
sasl=(--set kafka.security.protocol=SASL_PLAINTEXT --set kafka.sasl.mechanisms=PLAIN
      --set kafka.sasl.username=wirewatch)

# --print-config: the password from the environment and from --set is masked
WW_KAFKA__SASL_PASSWORD=$SECRET "$WW" classify --print-config "${sasl[@]}" >"$T/pc1" 2>&1
"$WW" classify --print-config "${sasl[@]}" --set "kafka.ssl.key.password=$SECRET" >"$T/pc2" 2>&1
check "--print-config masks kafka.sasl.password from WW_KAFKA__SASL_PASSWORD" \
    sh -c "! grep -qF '$SECRET' '$T/pc1' && grep -q '\"sasl.password\": \"\\*\\*\\*\"' '$T/pc1'"
check "--print-config masks a kafka password given with --set" \
    sh -c "! grep -qF '$SECRET' '$T/pc2' && grep -q '\"ssl.key.password\": \"\\*\\*\\*\"' '$T/pc2'"
check "the default http.listen is on 127.0.0.1" grep -q '"listen": "127.0.0.1:' "$T/pc1"

# A worker at debug level with the password, against a port where no broker answers
WW_KAFKA__SASL_PASSWORD=$SECRET "$WW" classify --log-level debug "${sasl[@]}" \
    --set kafka.debug=security,broker,conf --set "http.listen=127.0.0.1:$HPORT" \
    --in "kafka://127.0.0.1:$KPORT/sec-in" --out "kafka://127.0.0.1:$KPORT/sec-out" \
    2>"$T/worker.err" & W=$!; PIDS+=($W)
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$HPORT/healthz" >/dev/null 2>&1 && break; sleep 0.1
done
# a few connection attempts and their log lines: the Kafka client starts once the
# classifier is built, which under the sanitizers takes seconds (up to 60 s allowed)
for _ in $(seq 1 600); do
    [ "$(wc -l <"$T/worker.err")" -gt 5 ] && break; sleep 0.1
done
sleep 1
: >"$T/http.all"
for path in /metrics /status.json / /healthz /readyz; do
    curl -s "http://127.0.0.1:$HPORT$path" >>"$T/http.all" 2>&1
done
check "the worker served HTTP" grep -q '^# TYPE wirewatch_' "$T/http.all"
check "the worker logged at debug level (librdkafka security/conf debug on)" \
    test "$(wc -l <"$T/worker.err")" -gt 5
check "the password is in no HTTP response" sh -c "! grep -qF '$SECRET' '$T/http.all'"
kill -TERM $W; wait_pid $W 30
check "the password is in no log line (stderr at debug level)" \
    sh -c "! grep -qF '$SECRET' '$T/worker.err'"

# Default listen address.  When 127.0.0.1:9100 is taken here (another worker), the
# worker runs in a network namespace of its own (unshare -n, where it is free) if this
# user may create one; else the check is skipped.
NETNS=()
if (exec 3<>/dev/tcp/127.0.0.1/9100) 2>/dev/null; then
    if unshare -n true 2>/dev/null; then NETNS=(unshare -n sh -c 'ip link set lo up && exec "$@"' sh)
    else NETNS=(skip); fi
fi
if [ "${NETNS[0]:-}" = skip ]; then
    echo "ok - # SKIP 127.0.0.1:9100 in use and no network namespace; default-bind check skipped"
else
    "${NETNS[@]}" "$WW" classify --in "kafka://127.0.0.1:$KPORT/sec-in" \
        --out "kafka://127.0.0.1:$KPORT/sec-out" 2>"$T/worker2.err" & W2=$!; PIDS+=($W2)
    # the worker's listening sockets: LISTEN (state 0A) entries of its own network
    # namespace's /proc/PID/net/tcp{,6} whose inode is one of its fds
    listen=""
    for _ in $(seq 1 100); do
        pid=$(pgrep -P $W2 -x wirewatch 2>/dev/null | head -n 1); [ -n "$pid" ] || pid=$W2
        inodes=$(ls -l /proc/$pid/fd 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\]/\1/p' | sort -u)
        listen=$(awk 'FNR > 1 && $4 == "0A" {print $2, $10}' /proc/$pid/net/tcp /proc/$pid/net/tcp6 2>/dev/null |
                 while read -r addr ino; do grep -qx "$ino" <<<"$inodes" && echo "$addr"; done)
        [ -n "$listen" ] && break
        sleep 0.1
    done
    echo "# worker listening sockets (hex addr:port): $listen${NETNS[0]:+ (own network namespace)}"
    check "by default the worker listens on 127.0.0.1:9100 and nothing else" \
        test "$listen" = "0100007F:238C"
    ip=$(hostname -I 2>/dev/null | awk '{print $1}')
    if [ -z "${NETNS[0]:-}" ] && [ -n "$ip" ] && [ "$ip" != 127.0.0.1 ]; then
        check "/metrics is not reachable on $ip" \
            sh -c "! curl -s -m 2 'http://$ip:9100/metrics' >/dev/null 2>&1"
    fi
    kill -TERM $W2 2>/dev/null; wait_pid $W2 30
fi
finish
