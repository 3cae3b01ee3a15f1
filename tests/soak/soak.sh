#!/usr/bin/env bash
# Soak: DOCS documents (default 1,000,000) through fetch -> parse -> classify as three
# separate worker processes over a real Kafka broker started here (deploy/dev/kafka.sh).
#
#   tests/soak/soak.sh [DOCS]        (make soak [SOAK_DOCS=N])
#
# Input: FetchRequests (SEED) of file:// URLs of SOAK_FILES (300) small generated news
# pages, repeated until DOCS requests are written; seeds are not deduplicated by
# default (fetch.dedupe_seeds=false), so every repeat is fetched, parsed and classified.
# All requests are produced up front: the backlog lives in Kafka, and each worker keeps
# at most worker.max_open_jobs in flight, so worker memory must stay flat.
#
# Every SOAK_INTERVAL (10) s it prints documents out of classify (sum of the end
# offsets of the classified topic), the rate in that interval and the RSS of each
# worker.  At the end: documents, duration, mean throughput, RSS after warm-up and at
# the end per worker.  Warm-up ends at the first sample taken at least SOAK_WARMUP_S
# (60) s in AND after 10 % of the documents are out: throughput ramps up for a minute
# or two (broker, consumer prefetch), and a worker's buffers grow with it — a sample
# taken during the ramp measures the ramp, not a leak (a first run with 60 s alone put
# classify's warm-up at 711 docs/s and 35.5 MB, against 3000-5000 docs/s later).
# A worker's RSS moves up and down by a few MB with no trend (outputs in flight,
# allocator blocks of 4 MB on a 25-50 MB process), so a single sample at each end
# compares noise.  "RSS after warm-up" is the highest sample in the first half of the
# run after warm-up (what the worker already needed), "at the end" the median of the
# last 3 samples; a leak or an unbounded queue ends above the first and fails.  The
# median of the first 3 samples after warm-up is printed too.  It fails when a
# worker's end RSS exceeds its RSS after warm-up by more than 10 %, when a worker
# died, or when DOCS were not out within SOAK_MAX_S (default 7200) s — then it says
# how far it got.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
DOCS=${1:-${SOAK_DOCS:-1000000}}
FILES=${SOAK_FILES:-300}
INTERVAL=${SOAK_INTERVAL:-10}
WARMUP_S=${SOAK_WARMUP_S:-60}
MAX_S=${SOAK_MAX_S:-7200}
WW=${WW:-$ROOT/bin/wirewatch}
[ -x "$WW" ] || { echo "soak: $WW not built (make build)"; exit 2; }

T=$(mktemp -d /tmp/ww-soak.XXXXXX)
PIDS=()
BROKER_UP=0
cleanup() {
    local p
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done
    sleep 1
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null; done
    [ "$BROKER_UP" = 1 ] && deploy/dev/kafka.sh stop "$T/kafka" >/dev/null 2>&1
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "${KAFKA_BOOTSTRAP:-}" ]; then
    B=$KAFKA_BOOTSTRAP   # a broker the caller runs
else
    B=$(deploy/dev/kafka.sh start "$T/kafka" 2>"$T/broker.log") || {
        echo "soak: the broker did not start"; tail -n 20 "$T/broker.log"; exit 2; }
    BROKER_UP=1
fi
RUN=soak-$(date +%s)-$$
R=requests-$RUN P=pages-$RUN D=docs-$RUN C=classified-$RUN
echo "# soak: $DOCS documents, broker $B, topics *-$RUN"

# The pages: a few hundred distinct small articles on a handful of topics.
mkdir -p "$T/pages"
python3 - "$FILES" "$T/pages" <<'PY'
import sys
n, d = int(sys.argv[1]), sys.argv[2]
topics = [
    "The parliament voted on the election law after the prime minister and the opposition "
    "leader debated the government budget and the finance minister answered questions.",
    "An oil spill in the harbour harmed wildlife; environmental groups and the coast guard "
    "cleaned the beaches while fishermen waited for the pollution to clear.",
    "The central bank raised its interest rate to fight inflation, and the stock market fell "
    "as investors sold shares of banks and technology companies.",
    "The football club won the championship final after extra time; the coach praised the "
    "goalkeeper and thousands of supporters celebrated in the stadium.",
    "Researchers at the university published a study on a new vaccine; the health ministry "
    "said hospitals would receive the first doses next month.",
]
with open(f"{d}/urls.txt", "w") as urls:
    for i in range(n):
        a, b = topics[i % len(topics)], topics[(i * 7 + 1) % len(topics)]
        with open(f"{d}/p{i:04d}.html", "w") as f:
            f.write(f"<html><head><title>Story {i}</title>"
                    f"<meta name=\"author\" content=\"Reporter {i % 17}\"></head><body>"
                    f"<nav><a href=\"/\">Home</a> <a href=\"/world\">World</a></nav><article>"
                    f"<h1>Story {i}: a day of news</h1><p>{a} Report number {i}.</p>"
                    f"<p>{b}</p><p>{a} Officials gave more details on day {i % 31}.</p>"
                    f"</article><footer>Copyright</footer></body></html>\n")
        urls.write(f"file://{d}/p{i:04d}.html\n")
PY

# Topics first (a metadata request auto-creates them with the broker's default
# partitions), so the workers are assigned at once.
for t in "$R" "$P" "$D" "$C"; do
    for _ in $(seq 1 50); do
        kcat -L -b "$B" -t "$t" 2>/dev/null | grep -q "partition 0," && break
        sleep 0.2
    done
done

# librdkafka prefetches up to queued.min.messages (100000) / queued.max.messages.kbytes
# (64 MiB) per consumer; how full that buffer is depends on the moment's backlog, and
# with the defaults it moved classify's RSS between 25 and 41 MB with no trend over a
# 1M run (docs/benchmarks.md).  A smaller bounded prefetch keeps that noise below the
# 10% a leak check can see.  SOAK_SETS replaces these sets.
read -r -a extra <<<"${SOAK_SETS---set kafka.queued.min.messages=10000 --set kafka.queued.max.messages.kbytes=8192}"
common=(--set log.level=warn --set http.listen= "${extra[@]}")
# glibc raises its mmap threshold after the first large free (up to 32 MiB), so later
# large buffers come from the heap and stay in RSS: classify's RSS then rose in 4 MB
# steps at random moments (x1.16 at the end of one 1M run) and stayed flat at 27.9 MB
# from 200k to 1M documents with a fixed threshold (docs/benchmarks.md).  A fixed
# threshold lets the RSS check see leaks instead of that; SOAK_GLIBC_TUNABLES="" for
# glibc's defaults.
export GLIBC_TUNABLES=${SOAK_GLIBC_TUNABLES-glibc.malloc.mmap_threshold=131072:glibc.malloc.trim_threshold=131072}
[ -n "$GLIBC_TUNABLES" ] || unset GLIBC_TUNABLES
# the requests topic carries file:// URLs this script wrote itself: allow them from Kafka
"$WW" fetch --in "kafka://$B/$R?group=f-$RUN" --out "kafka://$B/$P" "${common[@]}" \
    --set fetch.allow_file=true 2>"$T/fetch.log" & FETCH=$!; PIDS+=($FETCH)
"$WW" parse --in "kafka://$B/$P?group=p-$RUN" --out "kafka://$B/$D" "${common[@]}" \
    2>"$T/parse.log" & PARSE=$!; PIDS+=($PARSE)
"$WW" classify --in "kafka://$B/$D?group=c-$RUN" --out "kafka://$B/$C" "${common[@]}" \
    2>"$T/classify.log" & CLASSIFY=$!; PIDS+=($CLASSIFY)

# The requests, produced in the background in one kcat (protobuf written here: field 1
# url, field 2 origin=SEED), while the workers already run.
python3 - "$T/pages/urls.txt" "$DOCS" <<'PY' |
import sys
urls = [l.strip().encode() for l in open(sys.argv[1]) if l.strip()]
n = int(sys.argv[2])
out = sys.stdout.buffer
def varint(v):
    b = bytearray()
    while True:
        x = v & 0x7F; v >>= 7
        b.append(x | (0x80 if v else 0))
        if not v: return bytes(b)
buf = []
for i in range(n):
    u = urls[i % len(urls)]
    buf.append(b"\x0a" + varint(len(u)) + u + b"\x10\x01" + b"<<WW>>")
    if len(buf) == 10000:
        out.write(b"".join(buf)); buf = []
out.write(b"".join(buf))
PY
    kcat -P -b "$B" -t "$R" -D "<<WW>>" -X linger.ms=50 -X batch.num.messages=10000 \
        2>"$T/kcat.log" &
PIDS+=($!)

# Messages in the classified topic: sum of the partitions' end offsets.
partitions() { kcat -L -b "$B" -t "$1" 2>/dev/null | grep -c 'partition [0-9]*,'; }
NPART=$(partitions "$C")
out_count() {
    local args=() p
    for ((p = 0; p < NPART; p++)); do args+=(-t "$C:$p:-1"); done
    kcat -Q -b "$B" "${args[@]}" 2>/dev/null |
        awk '/offset/ {s += $NF} END {print s + 0}'
}
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
mb() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }

printf '%7s %10s %9s %10s %10s %10s\n' secs documents docs/s fetch_MB parse_MB classify_MB
start=$(date +%s); last_n=0; last_t=$start
post=0 died=""   # samples after warm-up: S_fetch, S_parse, S_classify (kB)
S_fetch=() S_parse=() S_classify=()
while :; do
    sleep "$INTERVAL"
    now=$(date +%s); el=$((now - start))
    n=$(out_count); [ -n "$n" ] || n=$last_n
    rf=$(rss_kb $FETCH); rp=$(rss_kb $PARSE); rc=$(rss_kb $CLASSIFY)
    rate=$(awk -v a="$n" -v b="$last_n" -v t=$((now - last_t)) 'BEGIN {printf "%.0f", (a - b) / (t ? t : 1)}')
    printf '%7d %10d %9s %10s %10s %10s\n' "$el" "$n" "$rate" "$(mb "$rf")" "$(mb "$rp")" "$(mb "$rc")"
    last_n=$n; last_t=$now
    if [ "$post" = 0 ] && [ "$el" -ge "$WARMUP_S" ] && [ $((n * 10)) -ge "$DOCS" ]; then
        post=1; echo "# warm-up done: RSS from here on is compared"
    fi
    if [ "$post" = 1 ] || [ "$n" -ge "$DOCS" ] || [ "$el" -ge "$MAX_S" ]; then
        S_fetch+=("$rf"); S_parse+=("$rp"); S_classify+=("$rc")
    fi
    for w in "fetch:$FETCH" "parse:$PARSE" "classify:$CLASSIFY"; do
        kill -0 "${w#*:}" 2>/dev/null || died="$died ${w%%:*}"
    done
    [ -n "$died" ] && break
    [ "$n" -ge "$DOCS" ] && break
    [ "$el" -ge "$MAX_S" ] && break
done
el=$(( $(date +%s) - start ))
# median3 FIRST|LAST KB...: median of the first or last 3 values
median3() {
    local which=$1; shift
    printf '%s\n' "$@" | { if [ "$which" = first ]; then head -n 3; else tail -n 3; fi; } |
        sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)] + 0}'
}
# peak_first_half KB...: the highest of the first half (at least one) of the values
peak_first_half() {
    local h=$(( ($# + 1) / 2 ))
    printf '%s\n' "$@" | head -n "$h" | sort -n | tail -n 1
}
warm=() endrss=() med=()
for w in fetch parse classify; do
    eval "vals=(\"\${S_$w[@]}\")"
    warm+=("$(peak_first_half "${vals[@]}")"); endrss+=("$(median3 last "${vals[@]}")")
    med+=("$(median3 first "${vals[@]}")")
done

echo "# documents out: $n of $DOCS in $el s, mean $(awk -v n="$n" -v t="$el" 'BEGIN {printf "%.0f", n / t}') docs/s"
fail=0
names=(fetch parse classify)
for i in 0 1 2; do
    ratio=$(awk -v e="${endrss[$i]}" -v w="${warm[$i]}" 'BEGIN {printf "%.3f", w ? e / w : 0}')
    ok=$(awk -v r="$ratio" 'BEGIN {print (r > 0 && r <= 1.10) ? 1 : 0}')
    echo "# ${names[$i]}: RSS after warm-up $(mb "${warm[$i]}") MB (peak of the first half; median of the first 3 $(mb "${med[$i]}") MB), at the end $(mb "${endrss[$i]}") MB (x$ratio; x$(awk -v e="${endrss[$i]}" -v w="${med[$i]}" 'BEGIN {printf "%.3f", w ? e / w : 0}') against the median)"
    if [ "$ok" = 1 ]; then echo "ok - ${names[$i]} RSS at the end within 10% of RSS after warm-up"
    else echo "not ok - ${names[$i]} RSS at the end within 10% of RSS after warm-up"; fail=1; fi
done
if [ -n "$died" ]; then
    echo "not ok - workers alive (died:$died)"; fail=1
    for w in $died; do tail -n 20 "$T/$w.log"; done
fi
if [ "$n" -ge "$DOCS" ]; then echo "ok - $DOCS documents out of classify"
else echo "not ok - $DOCS documents out of classify (reached $n in $el s)"; fail=1; fi
for w in fetch parse classify; do
    e=$(grep -ci 'error' "$T/$w.log")
    echo "# $w: $e log lines with 'error'"; grep -i error "$T/$w.log" | sort | uniq -c | sort -rn | head -n 3
done
exit $fail
