# Helpers for integration tests (sourced).  Every test gets its own temp dir, and
# every process it starts is killed when it exits.
set -u
: "${WW:=$PWD/bin/wirewatch}"
: "${WW_ROOT:=$PWD}"
T=$(mktemp -d /tmp/ww-it.XXXXXX)
# $WW may be a container running as another user (tests/image/run.sh): let it in
[ -n "${WW_TEST_SHARED_T:-}" ] && chmod 1777 "$T"
PIDS=()
cleanup() {
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done
    sleep 0.2
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT

# a port below the ephemeral range, so no outgoing connection can take it first
free_port() { python3 "$WW_ROOT/tests/integration/free_port.py"; }

# serve DIR on 127.0.0.1; sets HTTP_PORT
serve_dir() {
    HTTP_PORT=$(free_port)
    python3 -m http.server "$HTTP_PORT" --bind 127.0.0.1 --directory "$1" >"$T/http.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 1 50); do
        (exec 3<>"/dev/tcp/127.0.0.1/$HTTP_PORT") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "http server did not start"; return 1
}

# wait_pid PID SECONDS: wait for a process to exit; returns its status, 124 on timeout
wait_pid() {
    local pid=$1 secs=$2 i
    for i in $(seq 1 $((secs * 10))); do
        kill -0 "$pid" 2>/dev/null || { wait "$pid"; return $?; }
        sleep 0.1
    done
    return 124
}

N_OK=0; N_FAIL=0
check() {  # check NAME COMMAND...: one TAP line
    local name=$1; shift
    if "$@"; then echo "ok - $name"; N_OK=$((N_OK + 1)); else echo "not ok - $name"; N_FAIL=$((N_FAIL + 1)); fi
}
finish() { [ "$N_FAIL" = 0 ]; exit $?; }
