#!/bin/sh
# wirewatch train / predict on JSON lines: round trip, malformed lines reported with
# their line numbers and skipped, determinism, corrupt model file -> clear error,
# Chinese and German with char n-grams, and a fastText model through the same predict
# command.
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
python3 - "$T" <<'PY' && ok "predict output has id/labels/scores/confidence and accuracy >= 0.9" || notok "predict output has id/labels/scores/confidence and accuracy >= 0.9"
import json, sys
gold = {}
for l in open(sys.argv[1] + "/test.jsonl"):
    try: d = json.loads(l); gold[d["id"]] = d["labels"]
    except Exception: pass
ok = 0
for l in open(sys.argv[1] + "/pred.jsonl"):
    p = json.loads(l)
    assert set(p) == {"id", "labels", "scores", "confidence"}, p
    assert len(p["labels"]) == 1 and p["labels"][0] in p["scores"]
    # every label shown has a confidence in [0, 1], ordered as the scores
    assert list(p["confidence"]) == list(p["scores"]), p
    assert all(0 <= c <= 1 for c in p["confidence"].values()), p
    top = sorted(p["scores"], key=p["scores"].get, reverse=True)
    assert all(p["confidence"][a] >= p["confidence"][b] for a, b in zip(top, top[1:])), p
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

# other languages: Chinese and German with char n-grams, through the commands; the
# held-out lines' words never occur whole in training (compounds, Chinese runs)
python3 - "$T" <<'PY'
import json, sys
tr = [("sport", "国家足球队在决赛中战胜对手，球迷在体育场欢呼。"),
      ("sport", "这名前锋本赛季打进二十个进球，教练非常满意。"),
      ("sport", "联赛比赛中守门员扑出点球，球队保住胜利。"),
      ("economy", "中央银行宣布加息，以应对通货膨胀。"),
      ("economy", "股市大幅下跌，银行股和科技股领跌。"),
      ("economy", "公司利润增长百分之十五，营业收入创新高。"),
      ("sport", "Die Nationalmannschaft gewann das Finale im Stadion."),
      ("sport", "Der Stürmer schoss zwanzig Tore, der Trainer ist zufrieden."),
      ("sport", "In der Bundesliga hielt der Torwart einen Elfmeter."),
      ("economy", "Die Zentralbank erhöht die Leitzinsen wegen der Inflation."),
      ("economy", "Die Aktienkurse fielen, Bankaktien führten die Verluste an."),
      ("economy", "Das Unternehmen steigerte seinen Quartalsgewinn deutlich.")]
te = [("sport", "球队的新教练希望赢得联赛冠军。"),
      ("economy", "央行表示通货膨胀压力很大，利率可能上升。"),
      ("sport", "Nationaltrainer lobt Torschützen nach Bundesligaspiel"),
      ("economy", "Zinserhöhung der Zentralbank drückt Bankgewinne und Aktienkurse")]
with open(sys.argv[1] + "/ml-train.jsonl", "w") as f:
    for i, (l, t) in enumerate(tr * 3):
        f.write(json.dumps({"id": i, "text": t, "labels": [l]}, ensure_ascii=i % 2 == 0) + "\n")
with open(sys.argv[1] + "/ml-test.jsonl", "w") as f:
    for i, (l, t) in enumerate(te):
        f.write(json.dumps({"id": "t%d" % i, "text": t, "labels": [l]}, ensure_ascii=False) + "\n")
PY
"$WW" train --data "$T/ml-train.jsonl" --model "$T/ml" --char-ngrams 2:4 2>/dev/null
check "train --char-ngrams on Chinese and German exits 0" "[ \$? -eq 0 ]"
"$WW" predict --model "$T/ml" "$T/ml-test.jsonl" > "$T/ml-pred.jsonl" 2>/dev/null
python3 - "$T" <<'PY' && ok "char n-grams: held-out Chinese and German lines labelled right" || notok "char n-grams: held-out Chinese and German lines labelled right"
import json, sys
gold = {d["id"]: d["labels"] for d in map(json.loads, open(sys.argv[1] + "/ml-test.jsonl"))}
pred = {d["id"]: d["labels"] for d in map(json.loads, open(sys.argv[1] + "/ml-pred.jsonl"))}
for i in sorted(gold):
    print("# %s gold %s predicted %s" % (i, gold[i], pred.get(i)))
sys.exit(0 if all(pred.get(i) == gold[i] for i in gold) else 1)
PY

# a fastText model through the same command
if fasttext supervised -input "$T/train.txt" -output "$T/ft" -epoch 10 -thread 1 -verbose 0 2>/dev/null; then
    "$WW" predict --model "$T/ft.bin" "$T/test.jsonl" > "$T/ftpred.jsonl" 2>/dev/null
    check "fastText .bin through predict" "[ \$? -eq 0 ] && [ \$(wc -l < '$T/ftpred.jsonl') -eq 100 ] && grep -q '\"labels\":\[\"' '$T/ftpred.jsonl'"
else
    notok "fasttext CLI trains (Debian package fasttext)"
fi
[ $fails -eq 0 ]
