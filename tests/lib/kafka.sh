# Helpers for the Kafka integration tests (sourced after tests/lib/common.sh).
# Needs KAFKA_BOOTSTRAP (the runner's broker); KAFKA_STATE lets a test restart it.
: "${KAFKA_BOOTSTRAP:?KAFKA_BOOTSTRAP must name the test broker}"
B=$KAFKA_BOOTSTRAP
RUN=$(date +%s)-$$   # topic and group names are unique per run

# make_docs N DIR: N small news pages DIR/d<i>.html, each with a unique marker, and
# DIR/urls.txt (file:// URLs, one per line) — local files, no network.
make_docs() {
    local n=$1 dir=$2
    mkdir -p "$dir"
    python3 - "$n" "$dir" <<'PY'
import sys
n, d = int(sys.argv[1]), sys.argv[2]
topics = [
    "The parliament voted on the election law after the prime minister and the opposition "
    "leader debated the government budget and the finance minister answered questions.",
    "An oil spill in the harbour harmed wildlife; environmental groups and the coast guard "
    "cleaned the beaches while fishermen waited for the pollution to clear.",
    "The central bank raised its interest rate to fight inflation, and the stock market fell "
    "as investors sold shares of banks and technology companies.",
]
with open(f"{d}/urls.txt", "w") as urls:
    for i in range(n):
        body = topics[i % 3]
        with open(f"{d}/d{i:05d}.html", "w") as f:
            f.write(f"<html><head><title>Story {i}</title></head><body><article>"
                    f"<h1>Story {i}</h1><p>{body} Report number {i} of the day.</p>"
                    f"<p>{topics[(i + 1) % 3]}</p></article></body></html>\n")
        urls.write(f"file://{d}/d{i:05d}.html\n")
PY
}

# requests_to_kafka URLS TOPIC [KCAT_ARGS...]: one FetchRequest per URL into TOPIC
# (protobuf written by hand: field 1 url, field 2 origin=SEED), keyed by URL host as
# wirewatch does.  KCAT_ARGS go to kcat (e.g. -X message.timeout.ms=3000).
requests_to_kafka() {
    python3 - "$1" > "$T/requests.bin" <<'PY'
import sys
out = sys.stdout.buffer
def varint(n):
    b = bytearray()
    while True:
        x = n & 0x7F; n >>= 7
        b.append(x | (0x80 if n else 0))
        if not n: return bytes(b)
for line in open(sys.argv[1]):
    u = line.strip().encode()
    if not u: continue
    out.write(b"\x0a" + varint(len(u)) + u + b"\x10\x01" + b"<<WW>>")
PY
    kcat -P -b "$B" -t "$2" -D "<<WW>>" -X enable.idempotence=true "${@:3}" <"$T/requests.bin"
}

# ensure_topics TOPIC...: create topics (broker default partitions) and wait until
# they have partitions, so workers started next are assigned at once.
ensure_topics() {
    local t i
    for t in "$@"; do
        for i in $(seq 1 50); do
            kcat -L -b "$B" -t "$t" 2>/dev/null | grep -q "partition 0," && break
            sleep 0.2
        done
    done
}

# collect TOPIC OUT [SETS...]: read TOPIC as JSON lines into OUT in the background
# (fresh group, from the beginning); sets COLLECT_PID.
collect() {
    local topic=$1 out=$2; shift 2
    local sets=() s
    for s in "$@"; do sets+=(--set "$s"); done
    "$WW" inspect --meta --idle-exit 600 "${sets[@]}" "kafka://$B/$topic" >"$out" 2>"$out.log" &
    COLLECT_PID=$!; PIDS+=($COLLECT_PID)
}

# urls_in FILE: the "url" of every Kafka record in FILE (JSON lines of `inspect
# --meta`), one per line.  A record the collector itself read twice (its group was
# rebalanced, e.g. across a broker restart, and it never commits) has the same
# partition and offset and is counted once: only records the pipeline wrote twice are
# duplicates.
urls_in() { python3 -c 'import json,sys
seen = set()
for l in open(sys.argv[1]):
    l = l.strip()
    if not l: continue
    d = json.loads(l)
    m = d.get("@meta", {})
    rec = (m.get("partition"), m.get("offset"))
    if rec[1] is not None and rec in seen: continue
    seen.add(rec)
    print(d.get("url", ""))' "$1"; }

# wait_urls FILE N SECONDS: until FILE holds N distinct urls; returns 1 on timeout
wait_urls() {
    local f=$1 n=$2 secs=$3 i
    for i in $(seq 1 "$secs"); do
        [ "$(urls_in "$f" 2>/dev/null | sort -u | grep -c .)" -ge "$n" ] && return 0
        sleep 1
    done
    return 1
}

# missing_and_dups URLS FILE: prints "MISSING DUPLICATES"
missing_and_dups() {
    local want=$1 got=$2
    local missing dups
    missing=$(comm -23 <(sort -u "$want") <(urls_in "$got" | sort -u) | grep -c .)
    dups=$(( $(urls_in "$got" | grep -c .) - $(urls_in "$got" | sort -u | grep -c .) ))
    echo "$missing $dups"
}

# pipeline_args NAME RUN TXN COMMON: the command line of pipeline worker NAME (fetch,
# parse*, classify) between the run's topics $R $P $D $C (the caller's), one consumer
# group per role; TXN=1 adds a transactional id.  The requests topic carries file://
# URLs the test wrote itself, so fetch accepts them from Kafka.
pipeline_args() {
    local name=$1 run=$2 txn=$3 sets=$4
    [ "$txn" = 1 ] && sets="$sets --set kafka.transactional.id=$name-$run --set kafka.transaction.timeout.ms=30000"
    case $name in
    fetch) echo "fetch --in kafka://$B/$R?group=fetch-$run --out kafka://$B/$P --set fetch.allow_file=true $sets" ;;
    parse*) echo "parse --in kafka://$B/$P?group=parse-$run --out kafka://$B/$D $sets" ;;
    classify) echo "classify --in kafka://$B/$D?group=classify-$run --out kafka://$B/$C $sets" ;;
    esac
}
