#!/usr/bin/env bash
# A classify worker's HTTP server while it runs: /metrics counters move and the latency,
# end-to-end and freshness histograms fill from the trace stamps; /healthz, /readyz,
# the status page and its JSON; POST /reload and SIGHUP; the log level changed at run
# time; the worker drains and exits 0 when its input ends, and /readyz goes with it.
cd "$(dirname "$0")/../.." && . tests/lib/common.sh && . tests/lib/ops.sh

P=$(free_port)
start_classify "$P" || { echo "not ok - worker HTTP up"; tail "$T/worker.log"; exit 1; }
check "http listening is logged with its port" grep -q "http listening on 127.0.0.1:$P" "$T/worker.log"
check "/healthz 200" bash -c "curl -sf http://127.0.0.1:$P/healthz >/dev/null"
# HTTP starts before the stage is built: /readyz says so until the endpoints are open
ready_within() {
    for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$P/readyz" >/dev/null && return 0; sleep 0.1; done
    curl -s "http://127.0.0.1:$P/readyz"; return 1
}
check "/readyz 200 once started (idle)" ready_within

feed 10 0
check "messages_in_total reaches 10" wait_metric "$P" wirewatch_classify_messages_in_total 10
check "main output reaches 10" wait_metric "$P" 'wirewatch_classify_messages_out_total{output="main"}' 10
M1=$(curl -s "http://127.0.0.1:$P/metrics")
check "metrics served as Prometheus text 0.0.4" \
    bash -c "curl -sI http://127.0.0.1:$P/metrics | grep -qi 'content-type: text/plain; version=0.0.4'"
check "latency histogram filled (10)" [ "$(awk '$1=="wirewatch_classify_latency_seconds_count"{print $2}' <<<"$M1")" = 10 ]
check "end-to-end histogram filled (10)" [ "$(awk '$1=="wirewatch_end_to_end_seconds_count"{print $2}' <<<"$M1")" = 10 ]
check "freshness histogram filled (10)" [ "$(awk '$1=="wirewatch_freshness_seconds_count"{print $2}' <<<"$M1")" = 10 ]
# published 4 minutes before: every observation is in the 300 s bucket, none in 60 s
check "freshness lands in the right bucket" [ "$(awk '$1=="wirewatch_freshness_seconds_bucket{le=\"300\"}"{print $2}' <<<"$M1")" = 10 ]
check "end-to-end about 0.9 s (>= 0.5 s bucket empty below)" \
    [ "$(awk '$1=="wirewatch_end_to_end_seconds_bucket{le=\"0.5\"}"{print $2}' <<<"$M1")" = 0 ]
check "bytes in counted" awk '$1=="wirewatch_classify_bytes_in_total"{exit !($2>0)}' <<<"$M1"

feed 15 10
check "counters move: 25 in" wait_metric "$P" wirewatch_classify_messages_in_total 25
check "histograms move: 25 observations" wait_metric "$P" wirewatch_classify_latency_seconds_count 25

# status page and JSON
curl -s "http://127.0.0.1:$P/" >"$T/page.html"
check "status page names the stage" grep -q "<h1>wirewatch classify</h1>" "$T/page.html"
check "status page lists recent documents (escaped)" grep -q "Story 24 &lt;b&gt;&amp;amp; more&lt;/b&gt;" "$T/page.html"
check "status page has no script" bash -c "! grep -qi '<script' '$T/page.html'"
check "status.json is JSON with 10 recent documents" \
    python3 -c "import json,sys; j=json.load(open(sys.argv[1])); assert j['stage']=='classify' and len(j['recent_documents'])==10 and j['in']==25" \
    <(curl -s "http://127.0.0.1:$P/status.json")

# reload: POST /reload and SIGHUP both reach the stage
check "POST /reload answers 200" bash -c "curl -sf -XPOST http://127.0.0.1:$P/reload | grep -q reloaded"
kill -HUP "$WPID"
check "SIGHUP reload counted" wait_metric "$P" 'wirewatch_classify_reloads_total{result="ok"}' 2
check "GET /reload refused (405)" [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/reload")" = 405 ]

# log level at run time
check "POST /loglevel?level=debug" bash -c "curl -sf -XPOST 'http://127.0.0.1:$P/loglevel?level=debug' | grep -q debug"
check "GET /loglevel reads it back" [ "$(curl -s "http://127.0.0.1:$P/loglevel")" = debug ]
feed 1 25
wait_metric "$P" wirewatch_classify_messages_in_total 26 >/dev/null
check "bad level refused (400)" [ "$(curl -s -o /dev/null -w '%{http_code}' -XPOST "http://127.0.0.1:$P/loglevel?level=loud")" = 400 ]

# a second worker on the same port: logged, and it still does its work
mkfifo "$T/in2"
"$WW" classify --in - --out "file:$T/out2.jsonl" --set "http.listen=127.0.0.1:$P" <"$T/in2" 2>"$T/worker2.log" 3>&- & W2=$!; PIDS+=($W2)
python3 tests/tools/ww-docs.py 3 0 other >"$T/in2"
wait_pid "$W2" 20; r2=$?
check "port clash: second worker exits 0" [ "$r2" = 0 ]
check "port clash: logged as an error naming the address" grep -q "no HTTP server.*127.0.0.1:$P" "$T/worker2.log"
check "port clash: its documents still flow" [ "$(wc -l <"$T/out2.jsonl")" = 3 ]

# end of input: drain, exit 0
exec 3>&-
wait_pid "$WPID" 30; rc=$?
check "worker exits 0 at end of input" [ "$rc" = 0 ]
check "26 classified documents written" [ "$(wc -l <"$T/out.jsonl")" = 26 ]
check "debug lines logged after the change" grep -q '"level":"debug"' "$T/worker.log"
check "HTTP server gone after exit" bash -c "! curl -sf http://127.0.0.1:$P/healthz"
[ "$N_FAIL" = 0 ] || tail -n 20 "$T/worker.log"
finish
