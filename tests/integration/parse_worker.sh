#!/usr/bin/env bash
# The parse stage as a worker over file endpoints: good pages become Documents (key =
# id, trace copied and stamped "parse"), near-duplicates are marked, and every page it
# cannot use (binary, empty, not a Page) goes to the dead-letter output with a reason;
# the worker goes on and exits 0 at the end of its input.
cd "$(dirname "$0")/../.." && . tests/lib/common.sh

python3 - "$T/pages.jsonl" <<'PY'
import base64, json, sys
spill = open("tests/fixtures/samples/harbour-spill.html", "rb").read()
rate = open("tests/fixtures/samples/rate-decision.html", "rb").read()
b64 = lambda b: base64.b64encode(b).decode()
with open(sys.argv[1], "w") as f:
    w = lambda o: f.write((o if isinstance(o, str) else json.dumps(o)) + "\n")
    w({"final_url": "https://news.example.org/spill", "body": b64(spill),
       "content_type": "text/html; charset=utf-8",
       "trace": {"trace_id": "t-1", "stamps": {"fetch": 1700000000000000}}})
    w({"final_url": "https://x.example/logo.png", "body": b64(b"\x89PNG\r\n\x1a\n\0\0"),
       "content_type": "image/png"})
    w({"final_url": "https://x.example/empty", "content_type": "text/html"})
    w('{"final_url": 42, "body": "!!!"}')
    # the same story again with one word changed: a near-duplicate of the first
    w({"final_url": "https://mirror.example.net/spill", "body": b64(spill.replace(b"busiest", b"largest", 1)),
       "content_type": "text/html"})
    w({"final_url": "https://news.example.org/rates", "body": b64(rate), "content_type": "text/html"})
PY

"$WW" parse --in "file:$T/pages.jsonl" --out "file:$T/docs.jsonl" \
    --dead-letter "file:$T/dead.jsonl" 2>"$T/parse.log" & P=$!; PIDS+=($P)
wait_pid $P 30; rc=$?
check "worker exits 0 at end of input" [ "$rc" = 0 ]
check "three documents" [ "$(wc -l < "$T/docs.jsonl" 2>/dev/null)" = 3 ]
check "three dead letters" [ "$(wc -l < "$T/dead.jsonl" 2>/dev/null)" = 3 ]
check "documents: fields, trace stamped, near-duplicate marked" python3 - "$T/docs.jsonl" <<'PY'
import json, sys
d = [json.loads(l) for l in open(sys.argv[1])]
a, b, c = d
assert a["title"].startswith("Oil spill closes Baltic harbour"), a["title"]
assert len(a["id"]) == 32 and a["extractor_version"].startswith("wirewatch-extract/")
assert a["trace"]["trace_id"] == "t-1"
# 64-bit values are decimal strings in the JSON mirror (docs/messages.md)
assert a["trace"]["stamps"]["fetch"] == "1700000000000000" and int(a["trace"]["stamps"]["parse"]) > 1700000000000000
assert a["language"] == "en" and "\n\n" in a["text"]
assert b["id"] != a["id"] and b["near_duplicate_of"] == a["id"], (b.get("near_duplicate_of"), a["id"])
assert not c.get("near_duplicate_of")
PY
check "dead letters carry stage, reason and detail" python3 - "$T/dead.jsonl" <<'PY'
import json, sys
d = [json.loads(l) for l in open(sys.argv[1])]
assert all(x["stage"] == "parse" for x in d)
reasons = [x["reason"] for x in d]
assert reasons == ["unsupported", "malformed", "malformed"], reasons
assert "image/png" in d[0]["detail"] and "empty body" in d[1]["detail"]
assert d[0]["original"]  # the bytes it could not process
PY
finish
