#!/usr/bin/python3
"""bench-classify: 5-fold cross-validation of wirewatch's linear model against fastText
and TF-IDF + LinearSVC on the classify-dev slices (BBC: accuracy; Reuters-21578:
micro/macro-F1; 10kGNAD, German: accuracy), with training time and single-threaded
predict docs/s.

usage: bench_classify.py BENCH_DIR WW [WORKDIR [SETS]]
  BENCH_DIR  .../classify-dev (bbc/dev.jsonl, reuters21578_modapte90/dev.jsonl,
             gnad10k/dev.jsonl; a missing one is skipped) and ../classify_score.py
             beside it
  WW         the wirewatch binary (train / predict subcommands)
  SETS       comma-separated subset of bbc,reuters,gnad10k (default all)

Systems: wirewatch with its defaults (word 1-2-grams) and with char n-grams (WW_CHAR
below: the option set docs/model.md gives for CJK and compounding languages);
fastText; TF-IDF + LinearSVC on word 1-2-grams, and on BBC and 10kGNAD also on
character 2-5-grams (scikit-learn's analyzers "char" and "char_wb").

Folds: document i goes to fold i % 5 (files are sorted by id).  Every system trains on
four folds and is scored on the fifth with classify_score.py; nothing is tuned on the
test fold (wirewatch tunes its thresholds on out-of-fold margins of the training part).
Timings are CPU seconds (user + sys) of the command, process start and model load
included — on an idle machine the wall time of these single-threaded commands:
  train:   `wirewatch train`, `fasttext supervised` (-epoch 25 -lr 0.5 -thread 1, -loss
           ova for Reuters; the same folds), LinearSVC fit inside Python (vectoriser
           included);
  predict: the test fold repeated until ~3000 docs, through `wirewatch predict` (JSON
           lines in and out) and `fasttext predict-prob MODEL FILE 5` (plain text in),
           each SPEED_RUNS times in turn (wirewatch, wirewatch-char, fastText, ...),
           the median run of each;
           LinearSVC: transform + decision_function inside Python on the single fold
           (CPU time of the Python process, time.process_time).
fastText input: "__label__X ... " + title and text lower-cased, punctuation split off,
newlines as spaces (the preprocessing of fastText's own examples).  fastText's labels:
the best one (BBC); those with probability >= 0.5, else the best (Reuters) — the same
at-least-one rule wirewatch and the LinearSVC peer use.
"""
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

K = 5
SPEED_RUNS = 5
HERE = os.path.dirname(os.path.abspath(__file__))


def sh_time(cmd, stdout=None):
    """CPU seconds (user + sys) of the command: the machine may be shared, and every
    command timed is single-threaded, so CPU time is what wall time would be alone."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True, stdout=stdout, stderr=subprocess.DEVNULL)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def ft_text(d):
    s = ((d.get("title") or "") + " " + (d.get("text") or "")).lower()
    s = re.sub(r"([.,!?()\"';:])", r" \1 ", s)
    return " ".join(s.split())


def score(scorer, gold, pred):
    out = subprocess.run([sys.executable, scorer, "--gold", gold, "--pred", pred],
                         check=True, capture_output=True, text=True).stdout
    last = out.strip().splitlines()[-1]
    return {k: float(v) for k, v in (kv.split("=") for kv in last.split())}


def ft_to_pred(ids, lines, multi, path):
    with open(path, "w") as out:
        for i, line in zip(ids, lines):
            f = line.split()
            pairs = [(f[j][9:], float(f[j + 1])) for j in range(0, len(f), 2)]
            if multi:
                labels = [l for l, p in pairs if p >= 0.5] or [l for l, _ in pairs[:1]]
            else:
                labels = [l for l, _ in pairs[:1]]
            out.write(json.dumps({"id": i, "labels": labels, "scores": dict(pairs)}) + "\n")


def conf_pairs_decided(gold_docs, pred_path):
    """(confidence, right) for the labels a prediction line decides ("labels")."""
    gold = {str(d["id"]): set(d["labels"]) for d in gold_docs}
    out = []
    for line in open(pred_path, encoding="utf-8"):
        p = json.loads(line)
        g = gold.get(str(p["id"]), set())
        conf = p.get("confidence") or {}  # (a wirewatch before confidence: none)
        out.extend((float(conf[l]), l in g) for l in p["labels"] if l in conf)
    return out


def conf_pairs(gold_docs, pred_path, key):
    """(confidence, right) for every label a prediction line shows: key "confidence"
    (wirewatch: calibrated) or "scores" (fastText: its probabilities)."""
    gold = {str(d["id"]): set(d["labels"]) for d in gold_docs}
    out = []
    for line in open(pred_path, encoding="utf-8"):
        p = json.loads(line)
        g = gold.get(str(p["id"]), set())
        out.extend((float(c), l in g) for l, c in (p.get(key) or {}).items())
    return out


BINS = 10


def reliability(pairs):
    """Expected calibration error over BINS equal-width bins (weighted by count) and
    the table: (low, high, n, mean confidence, fraction right) per non-empty bin."""
    rows, ece = [], 0.0
    for b in range(BINS):
        lo, hi = b / BINS, (b + 1) / BINS
        sel = [(c, y) for c, y in pairs if lo <= c < hi or (b == BINS - 1 and c == 1.0)]
        if not sel:
            continue
        mc = sum(c for c, _ in sel) / len(sel)
        acc = sum(1 for _, y in sel if y) / len(sel)
        ece += len(sel) / len(pairs) * abs(mc - acc)
        rows.append((lo, hi, len(sel), mc, acc))
    return ece, rows


# wirewatch's option set with char n-grams (docs/model.md): the one for Chinese,
# Japanese and compounding languages such as German, run on every set beside the
# defaults.
WW_CHAR = ["--char-ngrams", "4:4", "--ngrams", "1"]

# (name, file, multi-label, TF-IDF + LinearSVC analyzers)
SETS = [("bbc", "bbc/dev.jsonl", False, ["word", "char", "char_wb"]),
        ("reuters", "reuters21578_modapte90/dev.jsonl", True, ["word"]),
        ("gnad10k", "gnad10k/dev.jsonl", False, ["word", "char", "char_wb"])]
SVC_NAME = {"word": "linearsvc", "char": "svc-char", "char_wb": "svc-charwb"}


def main():
    bench, ww = sys.argv[1], os.path.abspath(sys.argv[2])
    work = sys.argv[3] if len(sys.argv) > 3 else tempfile.mkdtemp(prefix="ww-bench-classify-")
    only = set(sys.argv[4].split(",")) if len(sys.argv) > 4 and sys.argv[4] else None
    scorer = os.path.join(os.path.dirname(os.path.abspath(bench)), "classify_score.py")
    print("bench-classify: %d-fold CV, work dir %s" % (K, work))
    print("  wirewatch: defaults; wirewatch-char: %s" % " ".join(WW_CHAR))
    for name, rel, multi, analyzers in SETS:
        if only and name not in only:
            continue
        if not os.path.exists(os.path.join(bench, rel)):
            print("\n%s: %s not found, skipped" % (name, rel))
            continue
        docs = [json.loads(l) for l in open(os.path.join(bench, rel), encoding="utf-8") if l.strip()]
        svcs = [SVC_NAME[a] for a in analyzers]
        systems = ["wirewatch", "wirewatch-char", "fasttext"] + svcs
        res = {s: {"m": [], "train": [], "dps": [], "conf": [], "conf_dec": []}
               for s in systems}
        for k in range(K):
            d = os.path.join(work, "%s-fold%d" % (name, k))
            os.makedirs(d, exist_ok=True)
            tr = [x for i, x in enumerate(docs) if i % K != k]
            te = [x for i, x in enumerate(docs) if i % K == k]
            reps = max(1, 3000 // len(te))
            P = lambda f: os.path.join(d, f)
            with open(P("train.jsonl"), "w") as f:
                f.writelines(json.dumps(x) + "\n" for x in tr)
            with open(P("test.jsonl"), "w") as f:
                f.writelines(json.dumps(x) + "\n" for x in te)
            with open(P("test-rep.jsonl"), "w") as f:
                f.writelines(json.dumps(x) + "\n" for _ in range(reps) for x in te)
            with open(P("train.txt"), "w") as f:
                f.writelines(" ".join("__label__" + l for l in x["labels"]) + " " + ft_text(x) + "\n" for x in tr)
            with open(P("test.txt"), "w") as f:
                f.writelines(ft_text(x) + "\n" for x in te)
            with open(P("test-rep.txt"), "w") as f:
                f.writelines(ft_text(x) + "\n" for _ in range(reps) for x in te)
            nrep = reps * len(te)
            # wirewatch, with its defaults and with char n-grams
            for sysname, opts, m in (("wirewatch", [], "m.wwm"), ("wirewatch-char", WW_CHAR, "mc.wwm")):
                r = res[sysname]
                r["train"].append(sh_time([ww, "train", "--data", P("train.jsonl"), "--model", P(m)] + opts))
                with open(P(sysname + ".pred"), "w") as o:
                    sh_time([ww, "predict", "--model", P(m), P("test.jsonl")], stdout=o)
                r["m"].append(score(scorer, P("test.jsonl"), P(sysname + ".pred")))
                r["conf"] += conf_pairs(te, P(sysname + ".pred"), "confidence")
                r["conf_dec"] += conf_pairs_decided(te, P(sysname + ".pred"))
            # fastText
            r = res["fasttext"]
            cmd = ["fasttext", "supervised", "-input", P("train.txt"), "-output", P("ft"),
                   "-epoch", "25", "-lr", "0.5", "-thread", "1", "-verbose", "0"]
            if multi:
                cmd += ["-loss", "ova"]
            r["train"].append(sh_time(cmd))
            out = subprocess.run(["fasttext", "predict-prob", P("ft.bin"), P("test.txt"), "5"],
                                 check=True, capture_output=True, text=True).stdout.splitlines()
            ft_to_pred([x["id"] for x in te], out, multi, P("ft.pred"))
            r["m"].append(score(scorer, P("test.jsonl"), P("ft.pred")))
            # predict speed: the three commands in turn, SPEED_RUNS rounds, the median
            # of each (one run of a ~50 ms command moves by +-20% on a shared machine)
            cmds = {"wirewatch": [ww, "predict", "--model", P("m.wwm"), P("test-rep.jsonl")],
                    "wirewatch-char": [ww, "predict", "--model", P("mc.wwm"), P("test-rep.jsonl")],
                    "fasttext": ["fasttext", "predict-prob", P("ft.bin"), P("test-rep.txt"), "5"]}
            runs = {sname: [] for sname in cmds}
            with open(os.devnull, "w") as o:
                for _ in range(SPEED_RUNS):
                    for sname, c in cmds.items():
                        runs[sname].append(sh_time(c, stdout=o))
            for sname in cmds:
                res[sname]["dps"].append(nrep / sorted(runs[sname])[SPEED_RUNS // 2])
            print("  %s fold %d predict docs/s: %s" % (name, k, "  ".join(
                "%s %.0f (%.2fx fasttext)" % (sname, res[sname]["dps"][-1],
                                              res[sname]["dps"][-1] / res["fasttext"]["dps"][-1])
                for sname in cmds)), flush=True)
            r["conf"] += conf_pairs(te, P("ft.pred"), "scores")
            # TF-IDF + LinearSVC, one run per analyzer
            for a in analyzers:
                r = res[SVC_NAME[a]]
                p = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "linearsvc.py"), P("train.jsonl"),
                                    P("test.jsonl"), P("svc.pred"), a], check=True, capture_output=True, text=True)
                t = dict(kv.split("=") for kv in p.stderr.strip().splitlines()[-1].split())
                r["train"].append(float(t["train_s"]))
                r["dps"].append(len(te) / float(t["predict_s"]))
                r["m"].append(score(scorer, P("test.jsonl"), P("svc.pred")))
            # the fold's files are done with: the machine's disk is shared (fastText
            # alone writes a .bin and a .vec of 5-30 MB per fold)
            shutil.rmtree(d, ignore_errors=True)
            key = "microF1" if multi else "acc"
            print("  %s fold %d: %s" % (name, k, "  ".join(
                "%s %s=%.4f" % (s, key, res[s]["m"][-1][key]) for s in systems)), flush=True)
        mean = lambda v: sum(v) / len(v)
        print("\n%s (%d docs, %d folds)" % (name, len(docs), K))
        print("  %-14s %8s %8s %8s %10s %12s" % ("system", "acc", "microF1", "macroF1", "train_s", "predict_dps"))
        for s in systems:
            r = res[s]
            print("  %-14s %8.4f %8.4f %8.4f %10.3f %12.0f" % (
                s, mean([m["acc"] for m in r["m"]]), mean([m["microF1"] for m in r["m"]]),
                mean([m["macroF1"] for m in r["m"]]), mean(r["train"]), mean(r["dps"])))
        # calibration on the held-out folds: every label a prediction line shows
        # (the best 5 and the decided ones), and the decided labels alone
        for w, what in (("wirewatch", "conf"), ("wirewatch", "conf_dec"),
                        ("wirewatch-char", "conf"), ("wirewatch-char", "conf_dec"),
                        ("fasttext", "conf")):
            pairs = res[w][what]
            if not pairs:
                continue
            ece, rows = reliability(pairs)
            print("  %s %s: ECE %.4f over %d labels (%s)" % (
                w, "confidence" if w != "fasttext" else "probability", ece, len(pairs),
                "decided labels" if what == "conf_dec" else "every label shown"))
            for lo, hi, n, mc, acc in rows:
                print("    [%.1f, %.1f%s %6d  confidence %.3f  right %.3f" % (
                    lo, hi, "]" if hi == 1.0 else ")", n, mc, acc))
        key = "microF1"
        f = res["fasttext"]
        for w in ("wirewatch", "wirewatch-char"):
            print("  %s: %s / %s; predict docs/s / fasttext %.2f; train time / fasttext %.2f" % (
                w, ", ".join("%s %.3f" % (p, mean([m[key] for m in res[w]["m"]]) / mean([m[key] for m in res[p]["m"]]))
                             for p in systems if not p.startswith("wirewatch")),
                key, mean(res[w]["dps"]) / mean(f["dps"]), mean(res[w]["train"]) / mean(f["train"])))


if __name__ == "__main__":
    main()
