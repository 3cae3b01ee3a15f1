#!/usr/bin/env bash
# `wirewatch extract`: one JSON line per file with the article fields; gzip input;
# legacy charsets; a bad file gives an "error" line and the run goes on; exit status 1
# only for a file that cannot be read.
cd "$(dirname "$0")/../.." && . tests/lib/common.sh

S=tests/fixtures/samples
cp "$S/harbour-spill.html" "$T/spill.html" && gzip -9 "$T/spill.html"
printf '<html><head><meta charset="windows-1252"><title>Caf\xe9 news</title></head><body><article><p>The caf\xe9 re-opened on Monday \x96 \x93finally\x94, said the owner, after months of repairs to the kitchen and the dining room.</p></article></body></html>' > "$T/cp1252.html"
printf '\x89PNG\r\n\x1a\n\0\0\0\rIHDR' > "$T/image.html"

"$WW" extract "$S/harbour-spill.html" "$S/chip-export-probe.txt" "$T/spill.html.gz" \
    "$T/cp1252.html" "$T/image.html" > "$T/out.jsonl" 2>"$T/err.log"
rc=$?
check "exit 0 when every file was readable" [ "$rc" = 0 ]
check "one line per file" [ "$(wc -l < "$T/out.jsonl")" = 5 ]

py() { python3 - "$T/out.jsonl" "$@"; }
check "html: title, byline, published, site, canonical, language" py <<'PY'
import json, sys
d = [json.loads(l) for l in open(sys.argv[1])]
a = d[0]
assert a["title"] == "Oil spill closes Baltic harbour as coastguard races to protect seabird colony", a["title"]
assert a["byline"] == "Ingrid Solberg" and a["published"] == "2026-11-27T07:15:00Z"
assert a["site"] == "The Northern Ledger" and a["language"] == "en"
assert a["canonical_url"].startswith("https://news.example.org/")
assert a["url"].startswith("file:///") and len(a["id"]) == 32
assert "A leaking tanker has forced the closure" in a["text"]
assert "\n\n" in a["text"]
PY
check "text file: noise gone, title kept once" py <<'PY'
import json, sys
d = [json.loads(l) for l in open(sys.argv[1])]
t = d[1]
assert t["title"] == "Regulators open probe into chip exports after cyber-espionage warning", t["title"]
assert "close" not in t["text"].split("\n")
assert t["text"].startswith("Trade regulators in Brussels")
PY
check "gzip input gives the same document" py <<'PY'
import json, sys
d = [json.loads(l) for l in open(sys.argv[1])]
assert d[2]["text"] == d[0]["text"] and d[2]["title"] == d[0]["title"]
PY
check "windows-1252 page decoded" py <<'PY'
import json, sys
d = [json.loads(l) for l in open(sys.argv[1])]
assert d[3]["title"] == "Café news", d[3]
assert "re-opened on Monday – “finally”" in d[3]["text"], d[3]["text"]
PY
check "binary file: error line, run goes on" py <<'PY'
import json, sys
d = [json.loads(l) for l in open(sys.argv[1])]
assert "error" in d[4] and "text" not in d[4], d[4]
PY

"$WW" extract --url https://example.org/story "$S/rate-decision.html" "$T/missing.html" > "$T/out2.jsonl" 2>>"$T/err.log"
rc=$?
check "exit 1 when a file cannot be read" [ "$rc" = 1 ]
check "--url sets the url; missing file reported" python3 - "$T/out2.jsonl" <<'PY'
import json, sys
d = [json.loads(l) for l in open(sys.argv[1])]
assert len(d) == 2 and d[0]["url"] == "https://example.org/story"
assert "error" in d[1] and "missing.html" in d[1]["error"]
PY
printf '%s\n' "$S/rate-decision.html" "$S/harbour-spill.html" | "$WW" extract - > "$T/out3.jsonl"
check "- reads file names from stdin" [ "$(wc -l < "$T/out3.jsonl")" = 2 ]
finish
