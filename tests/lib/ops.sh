# Helpers for the ops_* integration tests (sourced after tests/lib/common.sh).

# start_classify PORT [ARGS...]: a classify worker reading Document JSON lines from a
# FIFO the test holds open on fd 3 (closing fd 3 ends its input); HTTP on PORT.
# Sets WPID.  Output in $T/out.jsonl, dead letters in $T/dead.jsonl, log in $T/worker.log.
start_classify() {
    local port=$1; shift
    rm -f "$T/in.fifo"; mkfifo "$T/in.fifo"
    "$WW" classify --in - --out "file:$T/out.jsonl" --dead-letter "file:$T/dead.jsonl" \
        --set "http.listen=127.0.0.1:$port" "$@" <"$T/in.fifo" 2>"$T/worker.log" &
    WPID=$!; PIDS+=($WPID)
    exec 3>"$T/in.fifo"
    wait_http "$port"
}

# wait_http PORT: until /healthz answers (10 s)
wait_http() {
    for _ in $(seq 1 100); do
        curl -sf "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "# no HTTP on port $1"; return 1
}

# metric PORT SAMPLE: the value of one sample line of /metrics ("" when absent)
metric() {
    curl -s "http://127.0.0.1:$1/metrics" | awk -v k="$2" '$1 == k {print $2; exit}'
}

# wait_metric PORT SAMPLE VALUE [SECONDS]: until the sample is >= VALUE
wait_metric() {
    local v i
    for i in $(seq 1 $(( ${4:-10} * 10 ))); do
        v=$(metric "$1" "$2")
        [ -n "$v" ] && awk -v a="$v" -v b="$3" 'BEGIN{exit !(a >= b)}' && return 0
        sleep 0.1
    done
    echo "# $2 = ${v:-absent}, wanted >= $3"; return 1
}

# feed N [START] [PREFIX]: N documents into the worker's FIFO
feed() { python3 "$WW_ROOT/tests/tools/ww-docs.py" "$@" >&3; }
