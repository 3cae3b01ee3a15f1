#!/usr/bin/env bash
# 2000 documents through fetch -> parse -> classify as separate processes over a real
# Kafka broker, with two parse workers in one consumer group: every input appears in
# the classified output; every worker drains and exits 0 on SIGTERM.
cd "$(dirname "$0")/../.." && . tests/lib/common.sh && . tests/lib/kafka.sh
N=${KAFKA_PIPELINE_DOCS:-2000}
make_docs "$N" "$T/docs"
P=pages-$RUN D=docs-$RUN C=classified-$RUN
ensure_topics "$P" "$D" "$C"

"$WW" parse --in "kafka://$B/$P?group=parse-$RUN" --out "kafka://$B/$D" 2>"$T/parse1.log" & P1=$!; PIDS+=($P1)
"$WW" parse --in "kafka://$B/$P?group=parse-$RUN" --out "kafka://$B/$D" 2>"$T/parse2.log" & P2=$!; PIDS+=($P2)
"$WW" classify --in "kafka://$B/$D?group=classify-$RUN" --out "kafka://$B/$C" 2>"$T/classify.log" & CL=$!; PIDS+=($CL)
collect "$C" "$T/out.jsonl"
# Parsing 2000 small pages takes a worker about 3 s, as long as a group rebalance:
# start the input once both parse workers hold partitions, so both take part.
for _ in $(seq 1 300); do
    grep -q '"kafka: assigned' "$T/parse1.log" && grep -q '"kafka: assigned' "$T/parse2.log" && break
    sleep 0.1
done
start=$(date +%s)
# the requests are file:// URLs of files this script wrote: fetch.allow_file
"$WW" fetch --in "file:$T/docs/urls.txt" --out "kafka://$B/$P" --set fetch.allow_file=true \
    2>"$T/fetch.log" & F=$!; PIDS+=($F)
wait_pid $F 120; rf=$?
check "fetch reads all $N URLs and exits 0" [ "$rf" = 0 ]
wait_urls "$T/out.jsonl" "$N" 180
echo "# $N documents classified after $(( $(date +%s) - start )) s"
kill -TERM $P1 $P2 $CL
wait_pid $P1 40; r1=$?; wait_pid $P2 40; r2=$?; wait_pid $CL 40; rc=$?
read -r missing dups < <(missing_and_dups "$T/docs/urls.txt" "$T/out.jsonl")
echo "# missing $missing, duplicates $dups"
check "every input URL appears in the classified output ($N)" [ "$missing" = 0 ]
in1=$(grep -o '"msg":"worker stopped: in [0-9]*' "$T/parse1.log" | grep -o '[0-9]*$')
in2=$(grep -o '"msg":"worker stopped: in [0-9]*' "$T/parse2.log" | grep -o '[0-9]*$')
echo "# parse worker 1 took ${in1:-?} pages, worker 2 took ${in2:-?}"
check "both parse workers of the group took part" test "${in1:-0}" -gt 0 -a "${in2:-0}" -gt 0
check "parse workers exit 0 on SIGTERM" test "$r1" = 0 -a "$r2" = 0
check "classify exits 0 on SIGTERM" [ "$rc" = 0 ]
check "every document is labelled" [ "$(grep -c '"labels":\[{' "$T/out.jsonl")" -ge "$N" ]
[ -n "${KEEP_LOGS:-}" ] && cp "$T"/*.log "$KEEP_LOGS"/
if [ "$N_FAIL" != 0 ]; then tail -n 15 "$T"/*.log; fi
finish
