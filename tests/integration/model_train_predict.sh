#!/bin/sh
# wirewatch train / predict on JSON lines: round trip, malformed lines reported with
# their line numbers and skipped, determinism, corrupt model file -> clear error, and
# a fastText model through the same predict command.
# Env: WW = wirewatch binary, WW_ROOT = repo root.
set -u
WW=${WW:-bin/wirewatch}
T=$(mktemp -d "${TMPDIR:-/tmp}/ww-model-it-XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0
ok() { echo "ok - $1"; }
notok() { echo "not ok - $1"; fails=$((fails + 1)); }
check() { if eval "$2"; then ok "$1"; else notok "$1"; fi; }

# a small deterministic corpus: three topics with their own words
python3 - "$T" <<'PY'
import json, random, sys
r = random.Random(5)
W = {"sport": "goal match striker league coach stadium penalty cup".split(),
     "money": "bank rates shares profit market dollar inflation bond".split(),
     "science": "atom genome telescope physics cell quantum lab orbit".split()}
C = "the a of and to in is über naïve".split()
def doc(i, split):
    t = r.choice(sorted(W))
    w = [r.choice(W[t]) if r.random() < 0.6 else r.choice(C) for _ in range(r.randint(5, 30))]
    return {"id": "%s-%d" % (split, i), "title": w[0].title(), "text": " ".join(w[1:]), "labels": [t]}
with open(sys.argv[1] + "/train.jsonl", "w") as f:
    for i in range(300):
        f.write(json.dumps(doc(i, "tr"), ensure_ascii=False) + "\n")
        if i == 10: f.write("{not json\n")
        if i == 20: f.write('{"id": "x", "labels": "sport"}\n')
with open(sys.argv[1] + "/test.jsonl", "w") as f:
    for i in range(100):
        f.write(json.dumps(doc(i, "te"), ensure_ascii=False) + "\n")
        if i == 5: f.write("[1, 2]\n")
with open(sys.argv[1] + "/train.txt", "w") as f:
    for l in open(sys.argv[1] + "/train.jsonl"):
        try: d = json.loads(l); f.write("__label__%s %s %s\n" % (d["labels"][0], d["title"], d["text"]))
        except Exception: pass
PY

"$WW" train --data "$T/train.jsonl" --model "$T/m1" --seed 7 2> "$T/train.err"
check "train exits 0" "[ \$? -eq 0 ]"
check "train reports malformed line 12 with its number" "grep -q 'train.jsonl:12: skipped' '$T/train.err'"
check "train reports malformed line 23 with its number" "grep -q 'train.jsonl:23: skipped' '$T/train.err'"
check "train counts 2 malformed lines" "grep -q '2 malformed lines skipped' '$T/train.err'"
"$WW" train --data "$T/train.jsonl" --model "$T/m2" --seed 7 2>/dev/null
check "same data and seed give the same model bytes" "cmp -s '$T/m1' '$T/m2'"

"$WW" predict --model "$T/m1" "$T/test.jsonl" > "$T/pred.jsonl" 2> "$T/pred.err"
check "predict exits 0" "[ \$? -eq 0 ]"
check "predict reports malformed line 7" "grep -q 'test.jsonl:7: skipped' '$T/pred.err'"
check "predict writes one line per valid document" "[ \$(wc -l < '$T/pred.jsonl') -eq 100 ]"
python3 - "$T" <<'PY' && ok "predict output has id/labels/scores and accuracy >= 0.9" || notok "predict output has id/labels/scores and accuracy >= 0.9"
import json, sys
gold = {}
for l in open(sys.argv[1] + "/test.jsonl"):
    try: d = json.loads(l); gold[d["id"]] = d["labels"]
    except Exception: pass
ok = 0
for l in open(sys.argv[1] + "/pred.jsonl"):
    p = json.loads(l)
    assert set(p) == {"id", "labels", "scores"}, p
    assert len(p["labels"]) == 1 and p["labels"][0] in p["scores"]
    ok += p["labels"] == gold[p["id"]]
print("# accuracy %.3f" % (ok / len(gold)))
sys.exit(0 if ok / len(gold) >= 0.9 else 1)
PY

# corrupt model: one flipped byte in the middle -> clear error, exit 1
python3 -c "
import sys; b = bytearray(open(sys.argv[1], 'rb').read()); b[len(b)//2] ^= 0x40
open(sys.argv[2], 'wb').write(b)" "$T/m1" "$T/bad"
"$WW" predict --model "$T/bad" "$T/test.jsonl" > /dev/null 2> "$T/bad.err"
rc=$?
check "corrupt model file: exit 1" "[ $rc -eq 1 ]"
check "corrupt model file: says checksum" "grep -q 'checksum' '$T/bad.err'"
head -c 100 "$T/m1" > "$T/trunc"
"$WW" predict --model "$T/trunc" "$T/test.jsonl" > /dev/null 2> "$T/trunc.err"
check "truncated model file: clear error" "grep -q 'truncated' '$T/trunc.err'"

# a fastText model through the same command
if fasttext supervised -input "$T/train.txt" -output "$T/ft" -epoch 10 -thread 1 -verbose 0 2>/dev/null; then
    "$WW" predict --model "$T/ft.bin" "$T/test.jsonl" > "$T/ftpred.jsonl" 2>/dev/null
    check "fastText .bin through predict" "[ \$? -eq 0 ] && [ \$(wc -l < '$T/ftpred.jsonl') -eq 100 ] && grep -q '\"labels\":\[\"' '$T/ftpred.jsonl'"
else
    notok "fasttext CLI trains (Debian package fasttext)"
fi
[ $fails -eq 0 ]
