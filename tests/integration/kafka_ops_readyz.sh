#!/usr/bin/env bash
# /readyz follows the broker: a parse worker (stdin -> Kafka) and a classify worker
# (Kafka -> Kafka) are ready, turn unready when their broker is stopped, and are ready
# again once it is back and messages flow; nothing sent before or after is lost.
# Uses its own single-node broker (deploy/dev/kafka.sh, fixed ports, state kept across
# the restart) so the runner's shared broker is never disturbed.
cd "$(dirname "$0")/../.." && . tests/lib/common.sh && . tests/lib/ops.sh

[ -x deploy/dev/kafka.sh ] || { echo "not ok - deploy/dev/kafka.sh present"; exit 1; }
export KAFKA_PORT=$(free_port) KAFKA_CONTROLLER_PORT=$(free_port) KAFKA_KEEP_STATE=1
KSTATE="$T/kafka"
stop_broker() { deploy/dev/kafka.sh stop "$KSTATE" >>"$T/kafka.log" 2>&1 3>&-; }
trap 'stop_broker; cleanup' EXIT
B=$(deploy/dev/kafka.sh start "$KSTATE" 2>>"$T/kafka.log") ||
    { echo "not ok - broker starts"; tail -n 20 "$T/kafka.log"; exit 1; }
echo "# broker $B"

# pages N START: Page JSON lines (the sample article, with the index in the title)
pages() {
    python3 - "$@" <<'PY'
import base64, json, sys
n, start = int(sys.argv[1]), int(sys.argv[2])
html = open("tests/fixtures/samples/harbour-spill.html", "rb").read()
for i in range(start, start + n):
    body = html.replace(b"<title>", f"<title>[{i}] ".encode(), 1)
    print(json.dumps({"request_id": f"r{i}", "requested_url": f"http://127.0.0.1/p{i}.html",
                      "final_url": f"http://127.0.0.1/p{i}.html", "status": 200,
                      "content_type": "text/html; charset=utf-8", "source": "HTTP",
                      "body": base64.b64encode(body).decode()}))
PY
}
ready() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/readyz")" = "$2" ]; }
wait_ready() {  # PORT CODE SECONDS
    for _ in $(seq 1 $(( $3 * 4 ))); do ready "$1" "$2" && return 0; sleep 0.25; done
    echo "# /readyz on $1: $(curl -s "http://127.0.0.1:$1/readyz")"; return 1
}

PP=$(free_port); CP=$(free_port)
TOPIC_IN=ops-readyz-docs-$$ TOPIC_OUT=ops-readyz-classified-$$
mkfifo "$T/pages.fifo"
"$WW" parse --in - --out "kafka://$B/$TOPIC_IN" --set "http.listen=127.0.0.1:$PP" \
    --set worker.stall_timeout_ms=600000 <"$T/pages.fifo" 2>"$T/parse.log" & PARSE=$!; PIDS+=($PARSE)
exec 3>"$T/pages.fifo"
"$WW" classify --in "kafka://$B/$TOPIC_IN?group=ops-readyz" --out "kafka://$B/$TOPIC_OUT" \
    --set "http.listen=127.0.0.1:$CP" --set worker.stall_timeout_ms=600000 \
    --set kafka.statistics.interval.ms=1000 \
    2>"$T/classify.log" 3>&- & CLASSIFY=$!; PIDS+=($CLASSIFY)
wait_http "$PP" && wait_http "$CP" || { echo "not ok - workers up"; exit 1; }

pages 5 0 >&3
check "before: 5 documents classified through Kafka" \
    wait_metric "$CP" 'wirewatch_classify_messages_out_total{output="main"}' 5 60
check "before: parse (producer) ready" wait_ready "$PP" 200 10
check "before: classify (consumer + producer) ready" wait_ready "$CP" 200 10
check "before: consumer lag per partition exported from librdkafka statistics" bash -c \
    "for i in \$(seq 1 100); do curl -sf http://127.0.0.1:$CP/metrics |
       grep -q 'kafka_consumer_lag{topic=\"$TOPIC_IN\",partition=' && exit 0; sleep 0.1; done; exit 1"

stop_broker
check "broker stopped: classify /readyz 503" wait_ready "$CP" 503 60
check "broker stopped: parse /readyz 503" wait_ready "$PP" 503 60
check "broker stopped: the reason names the endpoint" \
    bash -c "curl -s http://127.0.0.1:$CP/readyz | grep -q 'kafka://'"
check "broker stopped: /healthz still 200 (no restart wanted)" \
    bash -c "curl -sf http://127.0.0.1:$CP/healthz >/dev/null"

B2=$(deploy/dev/kafka.sh start "$KSTATE" 2>>"$T/kafka.log" 3>&-)
check "broker back on the same address" [ "$B2" = "$B" ]
pages 5 5 >&3
check "after: all 10 documents classified (nothing lost)" \
    wait_metric "$CP" 'wirewatch_classify_messages_out_total{output="main"}' 10 120
check "after: classify ready again" wait_ready "$CP" 200 60
check "after: parse ready again" wait_ready "$PP" 200 60

exec 3>&-
wait_pid "$PARSE" 60; check "parse exits 0 at end of input" [ $? = 0 ]
kill -TERM "$CLASSIFY"; wait_pid "$CLASSIFY" 60; check "classify drains and exits 0 on SIGTERM" [ $? = 0 ]
"$WW" inspect "kafka://$B/$TOPIC_OUT" --idle-exit 5 >"$T/classified.jsonl" 2>"$T/inspect.log" 3>&-
check "output topic holds every one of the 10 pages (at-least-once: duplicates allowed)" \
    python3 -c 'import json,sys
got = {json.loads(l).get("request_id") for l in open(sys.argv[1]) if l.strip()}
want = {f"r{i}" for i in range(10)}
print("# missing:", sorted(want - got)); assert want <= got' "$T/classified.jsonl"
[ "$N_FAIL" = 0 ] || { tail -n 15 "$T/classify.log"; tail -n 15 "$T/parse.log"; tail -n 10 "$T/kafka.log"; }
finish
