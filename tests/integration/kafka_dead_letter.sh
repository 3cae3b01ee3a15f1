#!/usr/bin/env bash
# Poison on a Kafka input: a malformed message and an oversized one, between valid
# pages, land in the parse stage's dead-letter topic with their reason, source
# topic/partition/offset and original bytes; the stream around them is complete.
cd "$(dirname "$0")/../.." && . tests/lib/common.sh && . tests/lib/kafka.sh
N=50
make_docs $((2 * N)) "$T/docs"
head -n $N "$T/docs/urls.txt" >"$T/first.txt"; tail -n $N "$T/docs/urls.txt" >"$T/second.txt"
P=pages-$RUN D=docs-$RUN DL=dead-parse-$RUN
ensure_topics "$P" "$D" "$DL"
# valid pages, then the poison (one partition: key "poison"), then valid pages again
# (the requests are file:// URLs of files make_docs wrote: fetch.allow_file)
"$WW" fetch --in "file:$T/first.txt" --out "kafka://$B/$P" --set fetch.allow_file=true \
    2>"$T/fetch1.log"
printf '\377\377\377\377garbage' | kcat -P -b "$B" -t "$P" -k poison
python3 -c 'import sys; sys.stdout.write("x" * 300000)' >"$T/big.bin"
kcat -P -b "$B" -t "$P" -k poison -X message.max.bytes=1000000 "$T/big.bin"
"$WW" fetch --in "file:$T/second.txt" --out "kafka://$B/$P" --set fetch.allow_file=true \
    2>"$T/fetch2.log"

"$WW" parse --in "kafka://$B/$P?group=parse-$RUN" --out "kafka://$B/$D" \
    --dead-letter "kafka://$B/$DL" --set worker.max_message_bytes=200000 2>"$T/parse.log" &
PA=$!; PIDS+=($PA)
collect "$D" "$T/docs.jsonl"
wait_urls "$T/docs.jsonl" $((2 * N)) 60
"$WW" inspect --idle-exit 5 "kafka://$B/$DL" >"$T/dead.jsonl" 2>"$T/inspect-dead.log"
kill -TERM $PA; wait_pid $PA 30; rp=$?
read -r missing dups < <(missing_and_dups "$T/docs/urls.txt" "$T/docs.jsonl")
echo "# documents: missing $missing, duplicates $dups; dead letters:"
python3 - "$T/dead.jsonl" >"$T/dead.txt" <<'PY'
import base64, json, sys
for l in open(sys.argv[1]):
    if not l.strip(): continue
    d = json.loads(l)
    n = len(base64.b64decode(d.get("original", "")))
    print(d.get("reason"), d.get("stage"), d.get("source_topic", "")[:6],
          d.get("source_partition", 0), d.get("source_offset", 0), n, "|", d.get("detail"))
PY
sed 's/^/#   /' "$T/dead.txt"
check "all $((2 * N)) valid pages around the poison were parsed" [ "$missing" = 0 ]
check "two dead letters" [ "$(grep -c . "$T/dead.txt")" = 2 ]
check "malformed one: reason, stage, source topic and its 11 original bytes" \
    grep -q "^malformed parse pages- [0-9]* [0-9]* 11 |" "$T/dead.txt"
check "oversized one: reason and its 300000 original bytes" \
    grep -q "^oversized parse pages- [0-9]* [0-9]* 300000 |" "$T/dead.txt"
check "parse exits 0 on SIGTERM" [ "$rp" = 0 ]
if [ "$N_FAIL" != 0 ]; then tail -n 15 "$T"/*.log; fi
finish
