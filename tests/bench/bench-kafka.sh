#!/usr/bin/env bash
# make bench-kafka [BENCH_N=20000]: Kafka throughput of wirewatch vs kcat, same broker,
# same messages, same run.  Starts its own broker (deploy/dev/kafka.sh), stops it at the
# end.  Prints figures; it is not a timed test.
#
#   1. wirewatch endpoints: N Document messages (~2 KB) produced (idempotent, acks=all,
#      until all acknowledged) and consumed (group, offsets stored on release);
#   2. kcat: the same N packed messages with the same headers produced
#      (-X enable.idempotence=true, acks=all)
#      and consumed (-C -c N);
#   3. end to end, when the stages are built: BENCH_E2E_N (5000) local HTML files through
#      fetch -> parse -> classify as three processes over the broker (documents/s from
#      the start of fetch to the last classified message), and its ratio to kcat's raw
#      produce+consume rate.
# The consume figures count from the first message received, so they mostly measure
# librdkafka's local prefetch; the produce figures (until every message is acknowledged)
# are the comparable ones.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${BENCH_N:-20000}
BUILD=${BUILD:-build}
T=$(mktemp -d /tmp/ww-bench-kafka.XXXXXX)
KSTATE="$T/kafka"
cleanup() { deploy/dev/kafka.sh stop "$KSTATE" >/dev/null 2>&1 || true; rm -rf "$T"; }
trap cleanup EXIT
B=$(deploy/dev/kafka.sh start "$KSTATE" 2>"$T/kafka-start.log") || { cat "$T/kafka-start.log"; exit 1; }

cc -std=c11 -O2 -D_GNU_SOURCE -Iinclude -I"$BUILD/gen" $(pkg-config --cflags libprotobuf-c jansson rdkafka) \
   -o "$T/bench_kafka_endpoint" tests/bench/bench_kafka_endpoint.c "$BUILD/libwirewatch.a" \
   $(pkg-config --libs libzmq libprotobuf-c jansson rdkafka libcurl libxml-2.0 libhs libutf8proc uchardet libmicrohttpd zlib) \
   -lcld2 -lstdc++ -lpthread -lm
mkdir -p "$T/msgs"
echo "# broker $B, N=$N messages, $(nproc) cores; $(date -u +%FT%TZ)"
echo "# two rounds each, alternating; round 1 warms the broker (JIT, topic creation)"
now() { date +%s.%N; }
best_wp=0; best_wc=0; best_kp=0; best_kc=0
max() { echo "if ($1 > $2) $1 else $2" | bc -l; }
for r in 1 2; do
    rm -f "$T/msgs"/*
    ww=$("$T/bench_kafka_endpoint" "$B" "$N" "$T/msgs" "bench-ww-$r")
    echo "round $r: $ww" | sed "2s/^/round $r: /"
    wp=$(echo "$ww" | awk '/wirewatch-produce/{print $(NF-1)}')
    wc_=$(echo "$ww" | awk '/wirewatch-consume/{print $(NF-1)}')
    # kcat: every file is one message; the same bytes, the same producer guarantees
    s=$(now)
    (cd "$T/msgs" && ls | xargs -s 1000000 kcat -P -b "$B" -t "bench-kcat-$r" \
        -H ww-schema=wirewatch.v1.Document -H ww-schema-version=1 \
        -X enable.idempotence=true -X acks=all -X linger.ms=5)
    e=$(now)
    kp=$(echo "$N / ($e - $s)" | bc -l)
    s=$(now)
    kcat -C -b "$B" -t "bench-kcat-$r" -o beginning -c "$N" -e -q -f '%k\n' >/dev/null
    e=$(now)
    kc=$(echo "$N / ($e - $s)" | bc -l)
    printf 'round %d: kcat-produce %d msgs %.0f msg/s\nround %d: kcat-consume %d msgs %.0f msg/s (includes connect)\n' \
        "$r" "$N" "$kp" "$r" "$N" "$kc"
    best_wp=$(max "$best_wp" "$wp"); best_wc=$(max "$best_wc" "$wc_")
    best_kp=$(max "$best_kp" "$kp"); best_kc=$(max "$best_kc" "$kc")
done
bytes=$(du -sb "$T/msgs" | cut -f1)
echo "# average message $((bytes / N)) bytes"
printf 'best: produce wirewatch %.0f msg/s, kcat %.0f msg/s, ratio %.2f\n' \
    "$best_wp" "$best_kp" "$(echo "$best_wp / $best_kp" | bc -l)"
printf 'best: consume wirewatch %.0f msg/s, kcat %.0f msg/s, ratio %.2f\n' \
    "$best_wc" "$best_kc" "$(echo "$best_wc / $best_kc" | bc -l)"

WW=${WW:-bin/wirewatch}
E2E_N=${BENCH_E2E_N:-5000}
if [ -x "$WW" ] && "$WW" classify --help >/dev/null 2>&1; then
    # end to end: E2E_N local HTML files -> fetch -> pages -> parse -> documents ->
    # classify -> classified, three processes over the broker; timed from the start of
    # fetch to the last classified message read back by kcat.
    mkdir -p "$T/html"
    python3 - "$E2E_N" "$T/html" <<'PY'
import sys
n, d = int(sys.argv[1]), sys.argv[2]
body = ("The parliament voted on the election law after the prime minister and the "
        "opposition leader debated the government budget. An oil spill in the harbour "
        "harmed wildlife; environmental groups asked the minister for action. ")
with open(f"{d}/urls.txt", "w") as u:
    for i in range(n):
        with open(f"{d}/d{i}.html", "w") as f:
            f.write(f"<html><head><title>Story {i}</title></head><body><article><h1>Story "
                    f"{i}</h1><p>{body * 3} Report {i}.</p><p>{body}</p></article></body></html>")
        u.write(f"file://{d}/d{i}.html\n")
PY
    for t in e2e-pages e2e-docs e2e-classified; do kcat -L -b "$B" -t "$t" >/dev/null 2>&1; done
    sleep 1
    "$WW" parse --in "kafka://$B/e2e-pages?group=e2e-parse" --out "kafka://$B/e2e-docs" \
        2>"$T/parse.log" & pp=$!
    "$WW" classify --in "kafka://$B/e2e-docs?group=e2e-classify" --out "kafka://$B/e2e-classified" \
        2>"$T/classify.log" & cp_=$!
    sleep 2   # both assigned
    s=$(now)
    "$WW" fetch --in "file:$T/html/urls.txt" --out "kafka://$B/e2e-pages" \
        --set fetch.allow_file=true 2>"$T/fetch.log"
    got=$(timeout 300 kcat -C -b "$B" -t e2e-classified -o beginning -c "$E2E_N" -q -f '%k\n' | grep -c .)
    e=$(now)
    kill -TERM "$pp" "$cp_"; wait "$pp" "$cp_" 2>/dev/null || true
    if [ "$got" = "$E2E_N" ]; then
        e2e=$(echo "$E2E_N / ($e - $s)" | bc -l)
        raw=$(echo "1 / (1 / $best_kp + 1 / $best_kc)" | bc -l)
        printf 'end-to-end fetch -> parse -> classify over kafka: %d docs %.1f s %.0f docs/s\n' \
            "$E2E_N" "$(echo "$e - $s" | bc -l)" "$e2e"
        printf 'kcat raw produce+consume of one message: %.0f msg/s; end-to-end / raw = %.2f\n' \
            "$raw" "$(echo "$e2e / $raw" | bc -l)"
    else
        echo "end-to-end: only $got of $E2E_N classified within 300 s"; tail -n 5 "$T"/*.log
    fi
else
    echo "# end-to-end: $WW classify not built; skipped"
fi
