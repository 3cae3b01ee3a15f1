#!/usr/bin/env bash
# The classify worker end to end on files: labels + entities out, a watch-list with a
# routing rule sends the matching document to the alerts output, a malformed input goes
# to the dead-letter output and the worker goes on, a broken watch-list is refused with
# its path named.  TAP output.
set -u
WW=${WW:-bin/wirewatch}
tmp=$(mktemp -d /tmp/ww-classify.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
n=0; fails=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fails=$((fails + 1)); fi; }

cat >"$tmp/in.jsonl" <<'JSON'
{"id":"d1","title":"Spy agency warns of espionage by foreign NGOs","text":"China's Ministry of State Security said foreign NGOs stole sensitive data from a nature reserve, a threat to national security. The USA denied any espionage."}
{"id":"d2","title":"United win the cup final","text":"The striker scored twice and the goalkeeper saved a penalty as United won the cup final at Wembley."}
{this is not json
{"id":"d3","title":"","text":""}
JSON
cat >"$tmp/watch.json" <<'JSON'
{"name": "watch-security", "version": "1", "threshold": 1,
 "topics": [{"code": "w:spy", "name": "Espionage watch", "terms": ["espionage", "spy agency"]}]}
JSON
cat >"$tmp/cfg.json" <<JSON
{"classify": {"watchlists": ["$tmp/watch.json"],
              "routes": [{"label": "w:spy", "min_score": 1, "output": "alerts"}]}}
JSON

timeout 60 "$WW" classify --in "file:$tmp/in.jsonl" --out "file:$tmp/out.jsonl" \
    --alerts "file:$tmp/alerts.jsonl" --dead-letter "file:$tmp/dead.jsonl" \
    --config "$tmp/cfg.json" 2>"$tmp/err.log"
ok $? "worker exits 0 at end of input"

python3 - "$tmp" "$n" <<'PY'
import json, sys
tmp = sys.argv[1]
def lines(name):
    try:
        return [json.loads(l) for l in open(f"{tmp}/{name}") if l.strip()]
    except FileNotFoundError:
        return []
out, alerts, dead = lines("out.jsonl"), lines("alerts.jsonl"), lines("dead.jsonl")
n = int(sys.argv[2])
bad = 0
def check(cond, name):
    global n, bad
    n += 1
    bad += not cond
    print(("ok" if cond else "not ok") + f" {n} - {name}")
by = {d["id"]: d for d in out}
check(set(by) == {"d1", "d2", "d3"}, "three documents classified")
d1 = by.get("d1", {})
codes = {l["code"]: l for l in d1.get("labels", [])}
check("medtop:20000605" in codes and codes["medtop:20000605"]["evidence"], "d1 espionage label with evidence")
check("w:spy" in codes and codes["w:spy"]["taxonomy"] == "watch-security", "d1 watch-list label")
check(d1.get("taxonomy_version") == "iptc-mediatopic:2023-10-24,watch-security:1", "taxonomy versions listed")
ents = {e["id"] for e in d1.get("entities", [])}
check({"iso3166:CN", "iso3166:US", "org:cn-mss"} <= ents, "d1 entities China, USA, MSS")
check("classify" in d1.get("trace", {}).get("stamps", {}), "trace stamped by classify")
d2 = by.get("d2", {})
# labels come grouped by top-level topic, the most specific first (docs/messages.md):
# the first top-level code is the best one, and every label before it is below it
d2labels = d2.get("labels", [])
tops = [l["code"] for l in d2labels if l["code"].endswith("000000") and l["code"][7:9] != "20"]
check(tops and tops[0] == "medtop:15000000", "d2 top label sport")
check(all(0 <= l.get("confidence", 0) <= 1 and l.get("confidence", 0) >= 0.5 for l in d2labels),
      "d2 labels carry confidence in [0.5, 1] (classify.min_confidence)")
check([a["id"] for a in alerts] == ["d1"], "only d1 routed to alerts")
check(len(dead) == 1 and dead[0].get("reason") == "malformed", "bad line dead-lettered as malformed")
print(f"# out={len(out)} alerts={len(alerts)} dead={len(dead)}")
sys.exit(1 if bad else 0)
PY
[ $? = 0 ] || fails=$((fails + 1))
n=$((n + 10))

# a trained model adds labels with source "model" beside the rules
python3 - "$tmp" <<'PY'
import json, random, sys
r = random.Random(5)
W = {"medtop:15000000": "goal match striker league coach stadium penalty cup".split(),
     "medtop:04000000": "bank rates shares profit market dollar inflation bond".split()}
with open(sys.argv[1] + "/train.jsonl", "w") as f:
    for i in range(200):
        t = sorted(W)[i % 2]
        w = [r.choice(W[t]) if r.random() < 0.6 else r.choice("the a of and to".split()) for _ in range(20)]
        f.write(json.dumps({"id": str(i), "title": w[0], "text": " ".join(w[1:]), "labels": [t]}) + "\n")
PY
"$WW" train --data "$tmp/train.jsonl" --model "$tmp/m.bin" >/dev/null 2>&1
timeout 60 "$WW" classify --in "file:$tmp/in.jsonl" --out "file:$tmp/outm.jsonl" \
    --set "classify.model=$tmp/m.bin" 2>/dev/null
python3 - "$tmp/outm.jsonl" <<'PY'
import json, sys
docs = {d["id"]: d for d in map(json.loads, open(sys.argv[1]))}
d2 = docs["d2"]
m = [l for l in d2["labels"] if l.get("source") == "model"]
ok = (m and m[0]["code"] == "medtop:15000000" and m[0]["name"] == "sport"
      and d2.get("model_version") and any(l.get("source") == "rules" for l in d2["labels"])
      and all(0 < l.get("confidence", 0) <= 1 for l in m))
sys.exit(0 if ok else 1)
PY
ok $? "model labels (source model, IPTC name, model_version, confidence) beside rule labels"

# a broken watch-list is refused, naming the file
echo '{"name": "w", "version": "1", "topics": [], "colour": 1}' >"$tmp/bad.json"
timeout 30 "$WW" classify --in "file:$tmp/in.jsonl" --out "file:$tmp/out2.jsonl" \
    --set "classify.watchlists=[\"$tmp/bad.json\"]" 2>"$tmp/err2.log"
rc=$?
[ "$rc" != 0 ] && grep -q "bad.json" "$tmp/err2.log" && grep -q colour "$tmp/err2.log"
ok $? "broken watch-list refused with file and key named (exit $rc)"
echo "1..$n"
[ "$fails" = 0 ]
