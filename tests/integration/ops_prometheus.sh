#!/usr/bin/env bash
# Debian's Prometheus server scrapes a running classify worker; the test reads the
# worker's counters and a histogram quantile back through Prometheus's HTTP API.
cd "$(dirname "$0")/../.." && . tests/lib/common.sh && . tests/lib/ops.sh

command -v prometheus >/dev/null || { echo "not ok - prometheus installed (make deps-test)"; exit 1; }
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

# every query of the Grafana dashboard is valid PromQL for this Prometheus, and the
# classify panels return data from this worker
check "every dashboard query evaluates in Prometheus" python3 - "$PP" deploy/grafana/wirewatch-dashboard.json <<'PY'
import json, sys, time, urllib.parse, urllib.request
port, dash = sys.argv[1], json.load(open(sys.argv[2]))

def evaluate():
    bad, with_data = [], 0
    for panel in dash["panels"]:
        for t in panel["targets"]:
            q = t["expr"].replace("$job", ".*")
            url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": q})
            try:
                r = json.load(urllib.request.urlopen(url, timeout=10))
            except Exception as e:
                bad.append((q, str(e))); continue
            if r.get("status") != "success":
                bad.append((q, r.get("error")))
            elif "classify" in q or "end_to_end" in q or "freshness" in q:
                with_data += bool(r["data"]["result"])
    return bad, with_data

# rate() needs two scrapes of a series: on a loaded machine Prometheus may not have
# them yet, so data is waited for (30 s); an invalid query fails at once
for _ in range(30):
    bad, with_data = evaluate()
    if bad or with_data >= 5:
        break
    time.sleep(1)
for b in bad:
    print("#", b)
print(f"# {with_data} classify queries returned data")
assert not bad and with_data >= 5
PY

exec 3>&-
wait_pid "$WPID" 30
check "worker exits 0" [ $? = 0 ]
[ "$N_FAIL" = 0 ] || { tail -n 20 "$T/prometheus.log"; tail -n 5 "$T/worker.log"; }
finish
