#!/usr/bin/env bash
# file:// requests are a local operator's tool, not a topic writer's: from Kafka (and
# from a request file: any worker input) fetch refuses them (status "denied") unless
# fetch.allow_file is set — otherwise anyone who can write to the requests topic could
# publish file:///proc/self/environ to the pages topic (docs/security.md).
# tests/integration/fetch_file_urls.py covers stdin, wirewatch run, feeds, redirects.
cd "$(dirname "$0")/../.." && . tests/lib/common.sh && . tests/lib/kafka.sh
make_docs 3 "$T/docs"
R=requests-$RUN
requests_to_kafka "$T/docs/urls.txt" "$R"
ensure_topics "$R"

# run_fetch NAME [SETS...]: fetch from the requests topic (own group) until it has
# reported the 3 requests, then SIGTERM; pages in $T/NAME.pages, statuses in $T/NAME.st
run_fetch() {
    local name=$1; shift
    "$WW" fetch --in "kafka://$B/$R?group=$name-$RUN" --out "file:$T/$name.pages.jsonl" \
        --status "file:$T/$name.st.jsonl" "$@" 2>"$T/$name.log" & local pid=$!; PIDS+=($pid)
    for _ in $(seq 1 600); do
        [ -f "$T/$name.st.jsonl" ] && [ "$(wc -l <"$T/$name.st.jsonl")" -ge 3 ] && break
        sleep 0.1
    done
    kill -TERM "$pid"; wait_pid "$pid" 40
}

run_fetch default
check "from Kafka, file:// requests are denied by default" \
    [ "$(grep -c '"status":"denied".*fetch.allow_file' "$T/default.st.jsonl")" = 3 ]
check "... and no local file is published" [ ! -s "$T/default.pages.jsonl" ]

run_fetch allowed --set fetch.allow_file=true
check "with fetch.allow_file=true they are fetched" \
    [ "$(grep -c '"status":"fetched"' "$T/allowed.st.jsonl")" = 3 ]
check "... as 3 pages" [ "$(wc -l <"$T/allowed.pages.jsonl")" = 3 ]

"$WW" fetch --in "file:$T/docs/urls.txt" --out "file:$T/local.pages.jsonl" \
    --status "file:$T/local.st.jsonl" --set http.listen= 2>"$T/local.log"
check "from a request file they are denied by default too" \
    [ "$(grep -c '"status":"denied"' "$T/local.st.jsonl")" = 3 ]
check "... and no local file is published" [ ! -s "$T/local.pages.jsonl" ]
[ "$N_FAIL" != 0 ] && tail -n 5 "$T"/*.log "$T"/*.st.jsonl
finish
