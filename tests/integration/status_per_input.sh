#!/usr/bin/env bash
# Without a broker, through files: a FetchRequest with only a url gets a trace id at
# fetch's intake that its Page, Document and Classified carry; parse and classify,
# given --status, write exactly one StatusEvent per input (ok, duplicate,
# dead-lettered), keyed by the input's key; fetch keeps its own per-URL events and the
# runtime adds none to them (docs/messages.md, "Status events").
# tests/integration/kafka_python_consumer.py checks the same over Kafka.
cd "$(dirname "$0")/../.." && . tests/lib/common.sh
S=tests/fixtures/samples
cp "$S/harbour-spill.html" "$T/a.html"
cp "$S/rate-decision.html" "$T/b.html"
cp "$S/harbour-spill.html" "$T/a-again.html" # the same article under another URL
for f in a b a-again; do echo "{\"url\":\"file://$T/$f.html\"}"; done > "$T/req.jsonl"
common=(--set http.listen= --set fetch.allow_file=true)

"$WW" fetch --in "file:$T/req.jsonl" --out "file:$T/pages.jsonl" \
    --status "file:$T/st-fetch.jsonl" "${common[@]}" 2>"$T/fetch.log"
check "fetch exits 0" [ $? = 0 ]
echo '{"final_url": 7}' >> "$T/pages.jsonl" # a line that is not a Page: dead-lettered
"$WW" parse --in "file:$T/pages.jsonl" --out "file:$T/docs.jsonl" \
    --status "file:$T/st-parse.jsonl" --dead-letter "file:$T/dead.jsonl" \
    "${common[@]}" 2>"$T/parse.log"
check "parse exits 0" [ $? = 0 ]
"$WW" classify --in "file:$T/docs.jsonl" --out "file:$T/cls.jsonl" \
    --status "file:$T/st-classify.jsonl" "${common[@]}" 2>"$T/classify.log"
check "classify exits 0" [ $? = 0 ]

py() { python3 - "$T" "$@"; }
check "every Page, Document and Classified carries one trace id per URL" py <<'PY'
import json, sys
t = sys.argv[1]
ids = {}
for name, url_key in (("pages", "final_url"), ("docs", "url"), ("cls", "url")):
    for line in open(f"{t}/{name}.jsonl"):
        m = json.loads(line)
        if not isinstance(m.get(url_key), str):
            continue  # the poison line the test appended
        tid = m.get("trace", {}).get("trace_id", "")
        assert len(tid) == 32, (name, m.get(url_key), tid)
        assert ids.setdefault(m[url_key], tid) == tid, (name, m[url_key])
assert len(ids) == 3 and len(set(ids.values())) == 3, ids
PY
check "fetch: its own events only, one per URL" py <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1] + "/st-fetch.jsonl")]
assert len(ev) == 3 and {e["status"] for e in ev} == {"fetched"}, ev
PY
check "parse: one event per input: ok, ok, duplicate, dead-lettered" py <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1] + "/st-parse.jsonl")]
assert sorted(e["status"] for e in ev) == ["dead-lettered", "duplicate", "ok", "ok"], ev
assert all(e["stage"] == "parse" for e in ev)
dup = [e for e in ev if e["status"] == "duplicate"][0]
assert dup["url"].endswith("/a-again.html") and dup.get("detail"), dup
dead = [e for e in ev if e["status"] == "dead-lettered"][0]
assert dead["detail"].startswith("malformed"), dead
PY
check "classify: one ok event per document, with its id and url" py <<'PY'
import json, sys
t = sys.argv[1]
ev = [json.loads(l) for l in open(t + "/st-classify.jsonl")]
docs = [json.loads(l) for l in open(t + "/docs.jsonl")]
assert len(ev) == len(docs) == 3, (len(ev), len(docs))
assert sorted(e["document_id"] for e in ev) == sorted(d["id"] for d in docs)
assert all(e["status"] == "ok" and e["url"] for e in ev), ev
PY
finish
