#!/usr/bin/env bash
# tests/bench/bench-kafka-memory.sh BROKER [SETTINGS ...]: memory and speed of parse and
# classify over Kafka against the consumer's prefetch bound.  Issue 17: each worker
# <= 50 MB at steady state at unchanged throughput.
#
# Once per broker: KMEM_PAGES (2000) generated pages of ~120 KB (tests/tools/gen_heavy_pages.py, as
# tests/integration/run_memory_bound.sh uses) fetched into topic kmem-pages-N (a backlog).
# Then for each SETTINGS string (a space-separated list of KEY=VALUE, "" = defaults):
# parse (fresh group) reads the whole backlog into a new documents topic, classify
# (fresh group) reads those; time from the workers' start to the last Classified read
# back; peak RSS = each worker's VmHWM, CPU = its user+system time, both read from /proc
# just before SIGTERM; and classify's resident size while the stream flows (VmRSS every
# 0.1 s from the first Classified to the last, the median: the steady state beside the
# peak of the backlog burst).  One line per setting.  Not a timed test; prints figures.
#
#   B=$(deploy/dev/kafka.sh start /tmp/k-bench)
#   tests/bench/bench-kafka-memory.sh "$B" "" "kafka.queued.max.messages.kbytes=16384"
set -euo pipefail
cd "$(dirname "$0")/../.."
B=$1
shift
N=${KMEM_PAGES:-2000}
WW=${WW:-bin/wirewatch}
D=${KMEM_DIR:-/tmp/ww-kmem}
PAGES=kmem-pages-$N

if [ ! -f "$D/pages-$N.done-$B" ]; then
    mkdir -p "$D/pages-$N"
    python3 tests/tools/gen_heavy_pages.py "$N" "$D/pages-$N" urls.txt file://
    "$WW" fetch --in "file:$D/pages-$N/urls.txt" --out "kafka://$B/$PAGES" \
        --set fetch.allow_file=true 2>"$D/fetch.log"
    touch "$D/pages-$N.done-$B"
fi

# vm_cpu PID: "VmHWM_MB cpu_s" of a running process
vm_cpu() {
    local hwm ticks
    hwm=$(awk '/^VmHWM/{print $2}' "/proc/$1/status")
    ticks=$(awk '{print $14 + $15}' "/proc/$1/stat")
    echo "$((hwm / 1024)).$(((hwm % 1024) * 10 / 1024)) $(echo "scale=1; $ticks / $(getconf CLK_TCK)" | bc)"
}

echo "# broker $B, $N pages of ~120 KB in $PAGES, $(nproc) cores; $(date -u +%FT%TZ)"
echo "# settings | seconds | docs/s | parse peak MB, cpu s | classify peak MB, cpu s | classify flowing MB (median)"

# rss_sample PID FILE: VmRSS (MB) every 0.1 s into FILE while PID lives and FILE.stop is absent
rss_sample() {
    while [ ! -e "$2.stop" ] && [ -r "/proc/$1/status" ]; do
        awk '/^VmRSS/{printf "%.1f\n", $2 / 1024}' "/proc/$1/status" >>"$2" 2>/dev/null || true
        sleep 0.1
    done
}
for s in "$@"; do
    run=$(date +%s%N)
    sets=()
    for kv in $s; do sets+=(--set "$kv"); done
    # topics made before the reader starts (kcat -C stops on an unknown topic)
    for t in kmem-docs-$run kmem-classified-$run; do kcat -L -b "$B" -t "$t" >/dev/null 2>&1; done
    sleep 1
    start=$(date +%s.%N)
    "$WW" parse --in "kafka://$B/$PAGES?group=kmem-parse-$run" --out "kafka://$B/kmem-docs-$run" \
        ${sets[@]+"${sets[@]}"} 2>"$D/parse.log" & pp=$!
    "$WW" classify --in "kafka://$B/kmem-docs-$run?group=kmem-classify-$run" \
        --out "kafka://$B/kmem-classified-$run" ${sets[@]+"${sets[@]}"} 2>"$D/classify.log" & cp_=$!
    rm -f "$D/rss" "$D/rss.stop"
    # sampled from the first Classified read back (the workers' start-up is not flow)
    got=$(timeout 600 kcat -C -b "$B" -t "kmem-classified-$run" -o beginning -c "$N" -q \
        -f '%k\n' 2>/dev/null | { n=0; while IFS= read -r _; do
            [ $n -eq 0 ] && { rss_sample "$cp_" "$D/rss" >/dev/null 2>&1 & }
            n=$((n + 1)); done; echo "$n"; } || true)
    touch "$D/rss.stop"
    end=$(date +%s.%N)
    flowing=$(sort -n "$D/rss" 2>/dev/null | awk '{v[NR]=$1} END {print NR ? v[int((NR+1)/2)] : "-"}')
    p=$(vm_cpu "$pp")
    c=$(vm_cpu "$cp_")
    kill -TERM "$pp" "$cp_"
    wait "$pp" "$cp_" 2>/dev/null || true
    secs=$(echo "$end - $start" | bc -l)
    if [ "$got" != "$N" ]; then
        echo "${s:-defaults} | only $got of $N classified"
        continue
    fi
    printf '%s | %.1f | %.0f | %s | %s | %s\n' "${s:-defaults}" "$secs" \
        "$(echo "$N / $secs" | bc -l)" "${p/ /, }" "${c/ /, }" "$flowing"
done
