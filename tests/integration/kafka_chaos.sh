#!/usr/bin/env bash
# Chaos over a real broker: fetch -> parse x2 -> classify as separate processes, all
# reading Kafka; while fetch requests trickle in, a random worker is killed with -9
# (and restarted) five times and the broker is stopped and restarted once.
#   at-least-once (default config): zero inputs missing; duplicates are counted.
#   exactly-once (kafka.transactional.id per worker, read_committed): zero missing and
#   zero duplicates.
# Needs KAFKA_STATE (the runner's broker state dir) to restart the broker.
cd "$(dirname "$0")/../.." && . tests/lib/common.sh && . tests/lib/kafka.sh
N=${KAFKA_CHAOS_DOCS:-1000}
: "${KAFKA_STATE:?KAFKA_STATE (the broker state dir) is needed to restart the broker}"
make_docs "$N" "$T/docs"
split -n l/10 -d "$T/docs/urls.txt" "$T/chunk."   # fed one chunk at a time

declare -A PID ARGS
start_worker() {  # start_worker NAME: (re)start with the same arguments and ids
    local name=$1
    # shellcheck disable=SC2086
    "$WW" ${ARGS[$name]} 2>>"$T/$name.log" &
    PID[$name]=$!; PIDS+=($!)
}

scenario() {  # scenario LABEL TXN(0|1)
    local label=$1 txn=$2 run="$RUN-$1"
    local R=requests-$run P=pages-$run D=docs-$run C=classified-$run
    local common="--set kafka.session.timeout.ms=6000 --set worker.shutdown_timeout_ms=20000"
    local rc_sets=()
    ensure_topics "$R" "$P" "$D" "$C"
    rm -f "$T"/*.log
    for name in fetch parse1 parse2 classify; do
        ARGS[$name]=$(pipeline_args "$name" "$run" "$txn" "$common")
        start_worker "$name"
    done
    [ "$txn" = 1 ] && rc_sets=(kafka.isolation.level=read_committed)
    collect "$C" "$T/out-$label.jsonl" "${rc_sets[@]}"

    local names=(fetch parse1 parse2 classify) kills=0 restarts=0 chunk i victim
    local start; start=$(date +%s)
    i=0
    for chunk in "$T"/chunk.*; do
        requests_to_kafka "$chunk" "$R"
        i=$((i + 1))
        if [ $((i % 2)) = 0 ] && [ "$kills" -lt 5 ]; then
            victim=${names[$((RANDOM % 4))]}
            kill -9 "${PID[$victim]}" 2>/dev/null; wait "${PID[$victim]}" 2>/dev/null
            echo "# $label: kill -9 $victim ($((kills + 1))/5)"
            start_worker "$victim"; kills=$((kills + 1))
        fi
        if [ "$i" = 5 ]; then
            echo "# $label: stopping the broker"
            KAFKA_KEEP_STATE=1 deploy/dev/kafka.sh stop "$KAFKA_STATE" 2>>"$T/broker.log"
            sleep 2
            deploy/dev/kafka.sh start "$KAFKA_STATE" >/dev/null 2>>"$T/broker.log" ||
                echo "# broker restart failed"
            echo "# $label: broker back"
        fi
        # a worker that exited by itself (e.g. fenced producer after the broker
        # restart) is restarted too, and counted
        for name in "${names[@]}"; do
            kill -0 "${PID[$name]}" 2>/dev/null || { wait "${PID[$name]}" 2>/dev/null
                echo "# $label: $name exited by itself; restarting"; start_worker "$name"
                restarts=$((restarts + 1)); }
        done
        sleep 1.5
    done
    while [ "$kills" -lt 5 ]; do
        victim=${names[$((RANDOM % 4))]}
        kill -9 "${PID[$victim]}" 2>/dev/null; wait "${PID[$victim]}" 2>/dev/null
        echo "# $label: kill -9 $victim ($((kills + 1))/5)"
        start_worker "$victim"; kills=$((kills + 1)); sleep 1.5
    done
    local deadline=$(( $(date +%s) + 150 ))
    until wait_urls "$T/out-$label.jsonl" "$N" 5 || [ "$(date +%s)" -ge "$deadline" ]; do
        for name in "${names[@]}"; do
            kill -0 "${PID[$name]}" 2>/dev/null || { wait "${PID[$name]}" 2>/dev/null
                echo "# $label: $name exited by itself; restarting"; start_worker "$name"
                restarts=$((restarts + 1)); }
        done
    done
    # in exactly-once mode a duplicate may only show up late (re-processing after an
    # abort): give the workers a few more seconds before counting
    sleep 3
    echo "# $label: all done after $(( $(date +%s) - start )) s; $restarts self-exit restart(s)"
    local r=0
    for name in "${names[@]}"; do kill -TERM "${PID[$name]}" 2>/dev/null; done
    for name in "${names[@]}"; do wait_pid "${PID[$name]}" 40 || r=1; done
    kill -TERM "$COLLECT_PID"; wait "$COLLECT_PID" 2>/dev/null
    read -r missing dups < <(missing_and_dups "$T/docs/urls.txt" "$T/out-$label.jsonl")
    echo "# $label: $N inputs, missing $missing, duplicates $dups"
    check "$label: zero inputs missing after 5 kill -9 and a broker restart" [ "$missing" = 0 ]
    if [ "$txn" = 1 ]; then
        check "$label: zero duplicates with transactions" [ "$dups" = 0 ]
    fi
    check "$label: every worker drains and exits 0 on SIGTERM" [ "$r" = 0 ]
    [ -n "${KEEP_LOGS:-}" ] && mkdir -p "$KEEP_LOGS/$label" && cp "$T"/*.log "$KEEP_LOGS/$label/"
    if [ "$N_FAIL" != 0 ]; then tail -n 8 "$T"/*.log; fi
}

scenario at-least-once 0
scenario exactly-once 1
finish
