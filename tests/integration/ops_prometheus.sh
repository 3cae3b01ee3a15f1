#!/usr/bin/env bash
# Debian's Prometheus server scrapes a running classify worker; the test reads the
# worker's counters and a histogram quantile back through Prometheus's HTTP API.
cd "$(dirname "$0")/../.." && . tests/lib/common.sh && . tests/lib/ops.sh

command -v prometheus >/dev/null || { echo "not ok - prometheus installed (make deps: DEB_TEST)"; exit 1; }
P=$(free_port); PP=$(free_port)
start_classify "$P" || { echo "not ok - worker HTTP up"; exit 1; }

cat >"$T/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: wirewatch
    static_configs:
      - targets: ["127.0.0.1:$P"]
        labels: {stage: classify}
YML
prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/tsdb" \
    --web.listen-address="127.0.0.1:$PP" --log.level=warn >"$T/prometheus.log" 2>&1 3>&- &
PIDS+=($!)

# query EXPR: the first result's value ("" when none)
query() {
    curl -s --get "http://127.0.0.1:$PP/api/v1/query" --data-urlencode "query=$1" |
        python3 -c 'import json,sys
r=json.load(sys.stdin).get("data",{}).get("result",[])
print(r[0]["value"][1] if r else "")' 2>/dev/null
}
# wait_query EXPR VALUE SECONDS: until the query returns VALUE
wait_query() {
    local v
    for _ in $(seq 1 $(( $3 * 4 ))); do
        v=$(query "$1"); [ "$v" = "$2" ] && return 0; sleep 0.25
    done
    echo "# $1 = '${v}', wanted $2"; return 1
}

feed 12 0
check "worker processed 12" wait_metric "$P" 'wirewatch_classify_messages_out_total{output="main"}' 12
check "prometheus scrapes the worker (up == 1)" wait_query 'up{job="wirewatch"}' 1 30
check "messages_in_total read back through Prometheus = 12" \
    wait_query 'wirewatch_classify_messages_in_total{job="wirewatch",stage="classify"}' 12 30
check "main output read back = 12" \
    wait_query 'wirewatch_classify_messages_out_total{output="main"}' 12 15
check "histogram count read back = 12" wait_query 'wirewatch_end_to_end_seconds_count' 12 15
Q=$(query 'histogram_quantile(0.5, sum by (le) (wirewatch_freshness_seconds_bucket))')
check "freshness median from the histogram is between 60 s and 300 s ($Q)" \
    python3 -c "import sys; v=float(sys.argv[1]); assert 60 <= v <= 300" "${Q:-nan}"
# the scrape itself is valid exposition: Prometheus reports no scrape errors
check "scrape samples > 50 (whole exposition parsed)" \
    python3 -c "import sys; assert float(sys.argv[1]) > 50" "$(query 'scrape_samples_scraped{job="wirewatch"}')"

exec 3>&-
wait_pid "$WPID" 30
check "worker exits 0" [ $? = 0 ]
[ "$N_FAIL" = 0 ] || { tail -n 20 "$T/prometheus.log"; tail -n 5 "$T/worker.log"; }
finish
