#!/usr/bin/env bash
# Hot reload of the classify stage: a taxonomy swapped mid-stream (SIGHUP while
# documents flow) loses nothing, and every document after the swap carries the new
# taxonomy version and never the old one again; a broken taxonomy (POST /reload and
# SIGHUP) is refused with the reason, and the old one stays in use.
cd "$(dirname "$0")/../.." && . tests/lib/common.sh && . tests/lib/ops.sh

taxonomy() {  # taxonomy VERSION > file: one topic that every test document matches
    printf '{"name":"ops-reload","version":"%s","threshold":1,"topics":[{"code":"ops:1","name":"news","terms":[{"text":"bank","weight":3},{"text":"spill","weight":3},{"text":"football","weight":3}]}]}\n' "$1"
}
# replace the file atomically, as a config management tool would
put_taxonomy() { cat >"$T/tax.tmp" && mv "$T/tax.tmp" "$T/tax.json"; }

taxonomy v1 | put_taxonomy
P=$(free_port)
start_classify "$P" --set "classify.taxonomy=$T/tax.json" \
    --set "worker.threads=${WW_TEST_THREADS:-1}" ||
    { echo "not ok - classify starts with the taxonomy"; cat "$T/worker.log"; exit 1; }

feed 20 0
check "20 documents classified with v1" wait_metric "$P" 'wirewatch_classify_messages_out_total{output="main"}' 20

# broken: invalid JSON, then a valid JSON that is not a taxonomy
echo '{"name": "ops-reload", "version": "v-broken", "topics": [' | put_taxonomy
code=$(curl -s -o "$T/reload.txt" -w '%{http_code}' -XPOST "http://127.0.0.1:$P/reload")
check "broken taxonomy: POST /reload answers 422" [ "$code" = 422 ]
check "broken taxonomy: the answer says why" grep -q "refused.*taxonomy" "$T/reload.txt"
echo '{"name": "ops-reload", "version": "v-bad", "topics": [{"code": "x"}]}' | put_taxonomy
kill -HUP "$WPID"
check "broken taxonomy: SIGHUP refused too (2 failed reloads)" \
    wait_metric "$P" 'wirewatch_classify_reloads_total{result="error"}' 2
check "broken taxonomy: refusal logged" grep -q '"level":"error".*reload refused' "$T/worker.log"
feed 10 20
check "after the refusals documents still flow" wait_metric "$P" 'wirewatch_classify_messages_out_total{output="main"}' 30

# mid-stream swap: a feeder writes 300 documents while the taxonomy changes under it
( python3 tests/tools/ww-docs.py 300 30 | while IFS= read -r l; do printf '%s\n' "$l"; sleep 0.005; done >&3 ) &
FEEDER=$!
wait_metric "$P" 'wirewatch_classify_messages_out_total{output="main"}' 60 >/dev/null
taxonomy v2 | put_taxonomy
kill -HUP "$WPID"
check "good taxonomy: SIGHUP reload accepted" wait_metric "$P" 'wirewatch_classify_reloads_total{result="ok"}' 1
wait "$FEEDER"
exec 3>&-
wait_pid "$WPID" 60; rc=$?
check "worker exits 0" [ "$rc" = 0 ]

python3 - "$T/out.jsonl" <<'PY' | tee "$T/verdict.txt"
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1])]
ids = [d["id"] for d in docs]
vers = []
for d in docs:
    v = {l.get("taxonomy_version") for l in d.get("labels", []) if l.get("taxonomy") == "ops-reload"}
    vers.append(v.pop() if len(v) == 1 else "?")
def ok(name, cond):
    print(("ok - " if cond else "not ok - ") + name)
ok(f"nothing lost: 330 documents out, each once ({len(ids)}, {len(set(ids))} distinct)",
   len(ids) == 330 and len(set(ids)) == 330)
ok("every document labelled by the test taxonomy", "?" not in vers)
first_v2 = vers.index("v2") if "v2" in vers else len(vers)
ok(f"documents before the swap carry v1 ({first_v2})", first_v2 >= 60 and set(vers[:first_v2]) == {"v1"})
ok(f"every document after the swap carries v2 ({len(vers) - first_v2})",
   len(vers) - first_v2 > 0 and set(vers[first_v2:]) == {"v2"})
ok("the refused versions never appear", not {"v-broken", "v-bad"} & set(vers))
PY
N_OK=$((N_OK + $(grep -c '^ok' "$T/verdict.txt"))); N_FAIL=$((N_FAIL + $(grep -c '^not ok' "$T/verdict.txt")))
check "no dead letters" test ! -s "$T/dead.jsonl"
[ "$N_FAIL" = 0 ] || { tail -n 20 "$T/worker.log"; head -c 600 "$T/out.jsonl"; }
finish
