#!/usr/bin/env bash
# Foundation: three separate processes (fetch, parse, classify) joined by ZeroMQ tcp
# carry the sample inputs from a URL list (served by a local HTTP server) to
# classified JSON; the end-of-stream marker makes each stage exit 0 once drained.
cd "$(dirname "$0")/../.." && . tests/lib/common.sh

serve_dir tests/fixtures/samples
for f in tests/fixtures/samples/*; do
    echo "http://127.0.0.1:$HTTP_PORT/$(basename "$f")"
done > "$T/urls.txt"
echo "# a comment line and a blank line are skipped" >> "$T/urls.txt"
echo "" >> "$T/urls.txt"
N=$(ls tests/fixtures/samples | wc -l)

P1=$(free_port); P2=$(free_port)
"$WW" classify --in "zmq+tcp://*:$P2" --out "file:$T/classified.jsonl" \
    --dead-letter "file:$T/dead-classify.jsonl" 2>"$T/classify.log" & C=$!; PIDS+=($C)
"$WW" parse --in "zmq+tcp://*:$P1" --out "zmq+tcp://127.0.0.1:$P2" \
    --dead-letter "file:$T/dead-parse.jsonl" 2>"$T/parse.log" & P=$!; PIDS+=($P)
"$WW" fetch --allow-private --in "file:$T/urls.txt" --out "zmq+tcp://127.0.0.1:$P1" \
    --status "file:$T/status.jsonl" 2>"$T/fetch.log" & F=$!; PIDS+=($F)

wait_pid $F 60; rf=$?
wait_pid $P 60; rp=$?
wait_pid $C 60; rc=$?
check "fetch exits 0" [ "$rf" = 0 ]
check "parse exits 0" [ "$rp" = 0 ]
check "classify exits 0" [ "$rc" = 0 ]
check "one classified document per URL ($N)" [ "$(wc -l < "$T/classified.jsonl")" = "$N" ]
check "one fetched status per URL" [ "$(grep -c '"status":"fetched"' "$T/status.jsonl")" = "$N" ]
check "every document is labelled" [ "$(grep -c '"labels":\[{' "$T/classified.jsonl")" = "$N" ]
check "every document has a trace through all stages" \
    [ "$(grep '"classify"' "$T/classified.jsonl" | grep '"parse"' | grep -c '"fetch"')" = "$N" ]
check "oil spill story labelled environment" grep -q '"code":"medtop:06000000"' "$T/classified.jsonl"
check "no dead letters" test ! -s "$T/dead-parse.jsonl" -a ! -s "$T/dead-classify.jsonl"
if [ "$N_FAIL" != 0 ]; then tail -n 20 "$T"/*.log; fi
finish
