#!/usr/bin/env bash
# Chaos rounds (issue 8): the kill -9 / broker-restart run of issue 3
# (tests/integration/kafka_chaos.sh, whose helpers in tests/lib/kafka.sh it uses) with
# random timing, repeated.
#
#   tests/soak/chaos.sh [ROUNDS] [DOCS]          (make chaos ROUNDS=N CHAOS_DOCS=M)
#
# Each round: fetch -> parse x2 (one group) -> classify as separate processes over a
# real broker (started here unless KAFKA_BOOTSTRAP and KAFKA_STATE name one).  DOCS
# file:// requests are fed in 10 chunks with random gaps (0.2-2.5 s); at 5 random
# moments a random worker is killed with -9 (and restarted), and at one random moment
# the broker is stopped for a random 1-5 s and restarted.  Odd rounds run at-least-once
# (the default config), even rounds exactly-once (kafka.transactional.id per worker,
# read_committed collector).  Per round and in total it prints inputs, outputs,
# missing and duplicates; it fails when anything is missing, when an exactly-once round
# has a duplicate, or when a worker does not drain on SIGTERM.  CHAOS_SEED fixes the
# random choices (printed, so a failing round can be replayed).
cd "$(dirname "$0")/../.." || exit 2
ROUNDS=${1:-3}
N=${2:-${CHAOS_DOCS:-600}}
SEED=${CHAOS_SEED:-$(( $(date +%s) % 32768 ))}
. tests/lib/common.sh
[ -x "$WW" ] || { echo "chaos: $WW not built (make build)"; exit 2; }
[ -f tests/lib/kafka.sh ] || { echo "chaos: needs tests/lib/kafka.sh (Kafka tests)"; exit 2; }

OWN_BROKER=0
if [ -z "${KAFKA_BOOTSTRAP:-}" ] || [ -z "${KAFKA_STATE:-}" ]; then
    KAFKA_STATE=$(mktemp -d /tmp/ww-chaos-kafka.XXXXXX)
    KAFKA_BOOTSTRAP=$(deploy/dev/kafka.sh start "$KAFKA_STATE" 2>"$T/broker-start.log") || {
        echo "chaos: the broker did not start"; tail -n 20 "$T/broker-start.log"; exit 2; }
    OWN_BROKER=1
fi
export KAFKA_BOOTSTRAP KAFKA_STATE
on_exit() {
    cleanup
    [ "$OWN_BROKER" = 1 ] && deploy/dev/kafka.sh stop "$KAFKA_STATE" >/dev/null 2>&1
    [ "$OWN_BROKER" = 1 ] && rm -rf "$KAFKA_STATE"
}
trap on_exit EXIT
. tests/lib/kafka.sh
RANDOM=$SEED
echo "# chaos: $ROUNDS round(s) of $N documents, broker $B, CHAOS_SEED=$SEED"

rnd() {  # rnd LO HI: random decimal seconds in [LO, HI] (tenths)
    awk -v lo="$1" -v hi="$2" -v r="$RANDOM" 'BEGIN {printf "%.1f", lo + (hi - lo) * r / 32767}'
}

declare -A PID ARGS
start_worker() {
    local name=$1
    # shellcheck disable=SC2086
    "$WW" ${ARGS[$name]} 2>>"$T/$name.log" &
    PID[$name]=$!; PIDS+=($!)
}
restart_exited() {  # a worker that exited by itself is restarted (and counted)
    local name
    for name in fetch parse1 parse2 classify; do
        kill -0 "${PID[$name]}" 2>/dev/null && continue
        wait "${PID[$name]}" 2>/dev/null
        echo "#   $name exited by itself; restarting"; start_worker "$name"
        SELF_RESTARTS=$((SELF_RESTARTS + 1))
    done
}

TOT_IN=0 TOT_OUT=0 TOT_MISSING=0 TOT_DUPS=0 TOT_KILLS=0
printf '# %-5s %-14s %6s %7s %7s %10s %6s %8s\n' round mode inputs outputs missing duplicates kills seconds
ROW=()
round() {  # round R
    local r=$1 txn=$(( ($1 + 1) % 2 )) mode run="$RUN-r$1"
    [ "$txn" = 1 ] && mode=exactly-once || mode=at-least-once
    local R=requests-$run P=pages-$run D=docs-$run C=classified-$run
    local common="--set kafka.session.timeout.ms=6000 --set worker.shutdown_timeout_ms=20000 --set http.listen="
    rm -rf "$T/docs" "$T"/chunk.* "$T"/*.log
    make_docs "$N" "$T/docs"
    split -n l/10 -d "$T/docs/urls.txt" "$T/chunk."
    ensure_topics "$R" "$P" "$D" "$C"
    local name
    for name in fetch parse1 parse2 classify; do
        ARGS[$name]=$(pipeline_args "$name" "$run" "$txn" "$common")
        start_worker "$name"
    done
    local rc_sets=()
    [ "$txn" = 1 ] && rc_sets=(kafka.isolation.level=read_committed)
    collect "$C" "$T/out.jsonl" "${rc_sets[@]}"

    # the schedule: 5 kill moments and 1 broker-restart moment among the 10 gaps
    local names=(fetch parse1 parse2 classify) kill_at broker_at victim chunk i=0 k
    kill_at=" $(shuf -i 0-9 -n 5 --random-source=<(yes "$RANDOM") | tr '\n' ' ')"
    broker_at=$((RANDOM % 10))
    local kills=0 start; start=$(date +%s); SELF_RESTARTS=0
    for chunk in "$T"/chunk.*; do
        requests_to_kafka "$chunk" "$R"
        sleep "$(rnd 0 1)"
        if [[ "$kill_at" == *" $i "* ]]; then
            victim=${names[$((RANDOM % 4))]}
            kill -9 "${PID[$victim]}" 2>/dev/null; wait "${PID[$victim]}" 2>/dev/null
            kills=$((kills + 1)); echo "#   r$r +$(( $(date +%s) - start ))s kill -9 $victim ($kills/5)"
            start_worker "$victim"
        fi
        if [ "$i" = "$broker_at" ]; then
            k=$(rnd 1 5)
            echo "#   r$r +$(( $(date +%s) - start ))s broker stopped for ${k}s"
            KAFKA_KEEP_STATE=1 deploy/dev/kafka.sh stop "$KAFKA_STATE" 2>>"$T/broker.log"
            sleep "$k"
            deploy/dev/kafka.sh start "$KAFKA_STATE" >/dev/null 2>>"$T/broker.log" ||
                echo "#   broker restart failed"
        fi
        restart_exited
        sleep "$(rnd 0.2 2.5)"
        i=$((i + 1))
    done
    local deadline=$(( $(date +%s) + 180 ))
    until wait_urls "$T/out.jsonl" "$N" 5 || [ "$(date +%s)" -ge "$deadline" ]; do
        restart_exited
    done
    sleep 3   # a late duplicate (re-processing after an abort) is counted too
    local drained=0
    for name in "${names[@]}"; do kill -TERM "${PID[$name]}" 2>/dev/null; done
    for name in "${names[@]}"; do wait_pid "${PID[$name]}" 40 || drained=1; done
    kill -TERM "$COLLECT_PID"; wait "$COLLECT_PID" 2>/dev/null
    local out missing dups secs=$(( $(date +%s) - start ))
    out=$(urls_in "$T/out.jsonl" | grep -c .)
    read -r missing dups < <(missing_and_dups "$T/docs/urls.txt" "$T/out.jsonl")
    ROW+=("$(printf '# %-5s %-14s %6d %7d %7d %10d %6d %8d' "$r" "$mode" "$N" "$out" "$missing" "$dups" "$kills" "$secs")")
    echo "${ROW[-1]}  ($SELF_RESTARTS self-exit restart(s))"
    TOT_IN=$((TOT_IN + N)); TOT_OUT=$((TOT_OUT + out))
    TOT_MISSING=$((TOT_MISSING + missing)); TOT_DUPS=$((TOT_DUPS + dups)); TOT_KILLS=$((TOT_KILLS + kills))
    check "round $r ($mode): zero of $N inputs missing" [ "$missing" = 0 ]
    [ "$txn" = 1 ] && check "round $r ($mode): zero duplicates" [ "$dups" = 0 ]
    check "round $r ($mode): every worker drains and exits on SIGTERM" [ "$drained" = 0 ]
    if [ "$missing" != 0 ] || [ "$drained" != 0 ]; then tail -n 8 "$T"/*.log; fi
}

for r in $(seq 1 "$ROUNDS"); do round "$r"; done
echo "# summary"
printf '# %-5s %-14s %6s %7s %7s %10s %6s %8s\n' round mode inputs outputs missing duplicates kills seconds
printf '%s\n' "${ROW[@]}"
echo "# total: $ROUNDS round(s), inputs $TOT_IN, outputs $TOT_OUT, missing $TOT_MISSING, duplicates $TOT_DUPS, kill -9 $TOT_KILLS, broker restarts $ROUNDS"
finish
