#!/usr/bin/env bash
# make bench-kafka [BENCH_N=20000]: Kafka throughput of wirewatch vs kcat, same broker,
# same messages, same run.  Starts its own broker (deploy/dev/kafka.sh), stops it at the
# end.  Prints figures; it is not a timed test.
#
#   1. wirewatch endpoints: N Document messages (~2 KB) produced (idempotent, acks=all,
#      until all acknowledged) and consumed (group, offsets stored on release);
#   2. kcat: the same N packed messages produced (-X enable.idempotence=true, acks=all)
#      and consumed (-C -c N);
#   3. end to end, when the stages are built: N documents through `wirewatch classify`
#      Kafka -> Kafka (documents/s from the first input to the last output).
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
if [ -x "$WW" ] && "$WW" classify --help >/dev/null 2>&1; then
    # end to end through the classify worker: docs written above, classified out
    s=$(date +%s.%N)
    "$WW" classify --in "kafka://$B/bench-ww-2?group=bench-e2e" --out "kafka://$B/bench-classified" \
        2>"$T/classify.log" & pid=$!
    kcat -C -b "$B" -t bench-classified -o beginning -c "$N" -q -f '%k\n' >/dev/null
    e=$(date +%s.%N)
    kill -TERM "$pid"; wait "$pid" || true
    printf 'end-to-end classify over kafka %d docs %.0f docs/s (includes group join)\n' \
        "$N" "$(echo "$N / ($e - $s)" | bc -l)"
else
    echo "# end-to-end: $WW classify not built; skipped"
fi
