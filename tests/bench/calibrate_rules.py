#!/usr/bin/env python3
"""Calibrate the IPTC rule labels: raw score -> confidence (probability of being right).

    tests/bench/calibrate_rules.py DEV_DIR [--ww bin/wirewatch] [--write]

DEV_DIR is ../shared/bench/classify-dev (bbc, reuters21578_modapte90, gnad10k; read in
place, never copied).  Every document is classified by `wirewatch classify` with
calibration out of the way (classify.min_confidence=0, classify.max_labels=1000), so
every label that reaches its topic's threshold is seen with its raw score.

What "right" means.  The dev sets carry top-level truths only, mapped to IPTC as
tests/bench/bench_classify_rules.c maps them: BBC business/entertainment/politics/
sport/tech -> 04/01/11/15/13000000; 10kGNAD Wirtschaft 04, Sport 15, Inland 11,
Kultur and Etat 01, Wissenschaft and Web 13 (International and Panorama have no single
IPTC top level: those documents are left out); Reuters-21578 (all economic and
commodity news) -> 04000000.  A label is right when its top-level topic is one of the
document's; for a deeper label that is the most the data can say (its confidence is the
probability that it is in the right branch).

Model: Platt scaling (logistic regression) per language group (German: fitted on
10kGNAD; every other language, "*": fitted on the English sets) and topic depth (0, 1,
2 and deeper) on two features of a label: ln(score) and share = score / the best score
of a label at the same depth in the same document.  The classifier computes the same
(classify_output.c, docs/taxonomy.md "calibration").  Held-out figures are cross-fitted: documents are split in
two halves by sha1(id); each half is predicted by the parameters fitted on the other.
The parameters written (--write) are fitted on all documents.

--write      put the fitted "calibration" object into
             workers/classify/data/iptc-mediatopic.json (one line, in place)
The figures are printed as the markdown tables of docs/benchmarks.md.
Standard library only.
"""
import argparse
import collections
import hashlib
import json
import math
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TAXONOMY = os.path.join(ROOT, "workers/classify/data/iptc-mediatopic.json")
IPTC = "iptc-mediatopic"

BBC = {"business": "medtop:04000000", "entertainment": "medtop:01000000",
       "politics": "medtop:11000000", "sport": "medtop:15000000",
       "tech": "medtop:13000000"}
GNAD = {"Wirtschaft": "medtop:04000000", "Sport": "medtop:15000000",
        "Inland": "medtop:11000000", "Kultur": "medtop:01000000",
        "Etat": "medtop:01000000", "Wissenschaft": "medtop:13000000",
        "Web": "medtop:13000000"}
# (directory, Document.language, label map (None = every document is economy), group)
SETS = [("bbc", "en", BBC, "*"), ("reuters21578_modapte90", "en", None, "*"),
        ("gnad10k", "de", GNAD, "de")]
GROUP = {name: g for name, _, _, g in SETS}
GROUPS = ["de", "*"]
DEPTHS = [0, 1, 2]  # the last bucket takes every deeper topic too
FEATURES = ["ln_score", "share"]
# include/wirewatch/classify.h: WW_CLASSIFY_MIN_CONFIDENCE, WW_CLASSIFY_MAX_LABELS
DEFAULT_MIN_CONFIDENCE, DEFAULT_MAX_LABELS = 0.5, 8


def taxonomy_tree():
    tax = json.load(open(TAXONOMY, encoding="utf-8"))
    parent = {t["code"]: t.get("parent") for t in tax["topics"]}

    def top(code):
        while parent.get(code):
            code = parent[code]
        return code

    def depth(code):
        d = 0
        while parent.get(code):
            code, d = parent[code], d + 1
        return d
    return top, depth


def gold_of(dev_dir):
    """{(set, id): set of gold top-level codes}, and the documents to classify."""
    gold, docs = {}, collections.defaultdict(list)
    for name, lang, mp, _ in SETS:
        for line in open(os.path.join(dev_dir, name, "dev.jsonl"), encoding="utf-8"):
            d = json.loads(line)
            g = {"medtop:04000000"} if mp is None else {mp[x] for x in d["labels"] if x in mp}
            if not g:
                continue
            gold[(name, d["id"])] = g
            docs[name].append({"id": d["id"], "title": d["title"], "text": d["text"],
                               "language": lang})
    return gold, docs


def classify_all(ww, docs):
    """{(set, id): [label dicts]} from `wirewatch classify` over the documents."""
    out = {}
    with tempfile.TemporaryDirectory(prefix="ww-calib-") as tmp:
        for name, ds in docs.items():
            src, dst = os.path.join(tmp, name + ".in"), os.path.join(tmp, name + ".out")
            with open(src + ".jsonl", "w", encoding="utf-8") as f:
                for d in ds:
                    f.write(json.dumps(d, ensure_ascii=False) + "\n")
            subprocess.run([ww, "classify", "--in", "file:" + src + ".jsonl",
                            "--out", "file:" + dst + ".jsonl",
                            "--set", "classify.min_confidence=0",
                            "--set", "classify.max_labels=1000",
                            "--set", 'http.listen=""', "--log-level", "error"],
                           check=True, stdin=subprocess.DEVNULL)
            for line in open(dst + ".jsonl", encoding="utf-8"):
                d = json.loads(line)
                out[(name, d["id"])] = [x for x in d.get("labels", [])
                                        if x.get("taxonomy") == IPTC
                                        and x.get("source", "rules") == "rules"]
    return out


def samples(labels, gold, top, depth):
    """One sample per label: (key, code, depth bucket, features, right)."""
    rows = []
    for key, labs in labels.items():
        best = collections.defaultdict(float)
        for x in labs:
            best[depth(x["code"])] = max(best[depth(x["code"])], x["score"])
        for x in labs:
            d = depth(x["code"])
            feats = [math.log(x["score"]), x["score"] / best[d]]
            rows.append((key, x["code"], (GROUP[key[0]], min(d, DEPTHS[-1])), feats,
                         int(top(x["code"]) in gold[key])))
    return rows


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z)) if z > -500 else 0.0


def fit_logistic(xs, ys, l2=1e-3, iters=50):
    """Weights (w..., bias) by Newton's method on the L2-regularised log-loss."""
    k = len(xs[0]) + 1
    w = [0.0] * k
    for _ in range(iters):
        g = [0.0] * k
        h = [[0.0] * k for _ in range(k)]
        for x, y in zip(xs, ys):
            v = x + [1.0]
            p = sigmoid(sum(a * b for a, b in zip(w, v)))
            r = p * (1 - p)
            for i in range(k):
                g[i] += (p - y) * v[i]
                for j in range(k):
                    h[i][j] += r * v[i] * v[j]
        for i in range(k - 1):
            g[i] += l2 * w[i]
            h[i][i] += l2
        step = solve(h, g)
        w = [a - b for a, b in zip(w, step)]
        if max(abs(s) for s in step) < 1e-9:
            break
    return w


def solve(a, b):
    """Gaussian elimination with partial pivoting (k is 3)."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        if abs(m[c][c]) < 1e-12:
            m[c][c] = 1e-12
        for r in range(n):
            if r != c:
                f = m[r][c] / m[c][c]
                for j in range(c, n + 1):
                    m[r][j] -= f * m[c][j]
    return [m[i][n] / m[i][i] for i in range(n)]


def fit(rows):
    """{depth bucket: weights}."""
    by = collections.defaultdict(lambda: ([], []))
    for _, _, d, x, y in rows:
        by[d][0].append(x)
        by[d][1].append(y)
    return {d: fit_logistic(xs, ys) for d, (xs, ys) in by.items()}


def predict(params, d, x):
    w = params[d]
    return sigmoid(sum(a * b for a, b in zip(w, x + [1.0])))


def half(key):
    return int(hashlib.sha1(key[1].encode()).hexdigest(), 16) % 2


def cross_fit(rows):
    """Held-out confidence of every row: each half by the other half's fit."""
    conf = {}
    for h in (0, 1):
        params = fit([r for r in rows if half(r[0]) != h])
        for i, r in enumerate(rows):
            if half(r[0]) == h:
                conf[i] = predict(params, r[2], r[3])
    return [conf[i] for i in range(len(rows))]


def reliability(conf, ys, bins=10):
    """ECE and the table: (lo, hi, n, mean confidence, fraction right)."""
    table, ece = [], 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        idx = [i for i, c in enumerate(conf) if lo <= c < hi or (b == bins - 1 and c == 1.0)]
        if not idx:
            table.append((lo, hi, 0, None, None))
            continue
        mc = sum(conf[i] for i in idx) / len(idx)
        acc = sum(ys[i] for i in idx) / len(idx)
        ece += len(idx) / len(conf) * abs(mc - acc)
        table.append((lo, hi, len(idx), mc, acc))
    return ece, table


def label_sets(rows, conf, gold, top, min_conf, max_labels):
    """Micro precision/recall of the emitted labels' top-level topics against the gold
    top levels, and labels per document, for one (min_confidence, max_labels)."""
    per = collections.defaultdict(list)
    for r, c in zip(rows, conf):
        per[r[0]].append((c, r[1]))
    tp = fp = fn = nlab = 0
    for key, g in gold.items():
        cand = sorted((x for x in per.get(key, []) if x[0] >= min_conf), reverse=True)
        emitted = cand[:max_labels]
        nlab += len(emitted)
        tops = {top(code) for _, code in emitted}
        tp += len(tops & g)
        fp += len(tops - g)
        fn += len(g - tops)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, nlab / len(gold)


def write_calibration(params, n):
    obj = {"method": "platt",
           "features": FEATURES,
           "groups": [{"languages": [g],
                       "by_depth": [{"max_depth": d if d != DEPTHS[-1] else 99,
                                     "w": [round(v, 6) for v in params[(g, d)][:-1]],
                                     "bias": round(params[(g, d)][-1], 6)}
                                    for d in DEPTHS]} for g in GROUPS],
           "fitted_on": "classify-dev bbc + reuters21578_modapte90 + gnad10k, %d labels "
                        "(tests/bench/calibrate_rules.py)" % n}
    line = '  "calibration": ' + json.dumps(obj, separators=(", ", ": ")) + ",\n"
    lines = open(TAXONOMY, encoding="utf-8").readlines()
    lines = [x for x in lines if not x.startswith('  "calibration": ')]
    at = next(i for i, x in enumerate(lines) if x.startswith('  "topics": '))
    lines.insert(at, line)
    with open(TAXONOMY, "w", encoding="utf-8") as f:
        f.writelines(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dev_dir")
    ap.add_argument("--ww", default=os.path.join(ROOT, "bin/wirewatch"))
    ap.add_argument("--write", action="store_true")
    a = ap.parse_args()
    top, depth = taxonomy_tree()
    gold, docs = gold_of(a.dev_dir)
    labels = classify_all(a.ww, docs)
    rows = samples(labels, gold, top, depth)
    ys = [r[4] for r in rows]
    conf = cross_fit(rows)
    ece, table = reliability(conf, ys)
    print("held-out (2-fold cross-fitted by sha1(id)): %d labels on %d documents, "
          "ECE %.4f" % (len(rows), len(gold), ece))
    print("| confidence | labels | mean confidence | fraction right |")
    print("|---|---:|---:|---:|")
    for lo, hi, n, mc, acc in table:
        print("| %.1f-%.1f | %d | %s | %s |" % (lo, hi, n, "-" if mc is None else "%.3f" % mc,
                                                "-" if acc is None else "%.3f" % acc))
    for name, _, _, _ in SETS:
        idx = [i for i, r in enumerate(rows) if r[0][0] == name]
        e, _ = reliability([conf[i] for i in idx], [ys[i] for i in idx])
        print("  %-24s %6d labels  ECE %.4f" % (name, len(idx), e))
    for d in DEPTHS:
        idx = [i for i, r in enumerate(rows) if r[2][1] == d]
        e, _ = reliability([conf[i] for i in idx], [ys[i] for i in idx])
        name = "depth %d%s" % (d, "+" if d == DEPTHS[-1] else "")
        print("  %-24s %6d labels  ECE %.4f" % (name, len(idx), e))
    print("label sets (top-level topics of the emitted labels vs gold), held-out:")
    print("| min_confidence | max_labels | precision | recall | labels/doc |")
    print("|---:|---:|---:|---:|---:|")
    for mc in (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        for ml in (3, 5, 8, 10, 1000):
            p, r, n = label_sets(rows, conf, gold, top, mc, ml)
            print("| %.1f | %d | %.3f | %.3f | %.2f |" % (mc, ml, p, r, n))
    # the labels the defaults emit: their mean confidence against the fraction right
    per = collections.defaultdict(list)
    for i, r in enumerate(rows):
        per[r[0]].append((conf[i], i))
    picked = [i for v in per.values()
              for c, i in sorted(v, reverse=True)[:DEFAULT_MAX_LABELS]
              if c >= DEFAULT_MIN_CONFIDENCE]
    print("emitted at the defaults (min_confidence %.1f, max_labels %d): %d labels, "
          "mean confidence %.3f, fraction right %.3f" % (
              DEFAULT_MIN_CONFIDENCE, DEFAULT_MAX_LABELS, len(picked),
              sum(conf[i] for i in picked) / len(picked),
              sum(ys[i] for i in picked) / len(picked)))
    params = fit(rows)
    print("fitted on all:", {k: [round(v, 4) for v in w] for k, w in params.items()})
    if a.write:
        write_calibration(params, len(rows))
        print("written:", TAXONOMY)


if __name__ == "__main__":
    sys.exit(main())
