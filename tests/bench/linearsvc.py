#!/usr/bin/python3
"""TF-IDF + LinearSVC peer for bench-classify (Debian python3-sklearn).

usage: linearsvc.py TRAIN.jsonl TEST.jsonl PRED.jsonl [word|char|char_wb]
Text = title + "\\n" + text, as wirewatch reads it.  Features: TfidfVectorizer
(sublinear_tf) of word uni+bigrams (word, the default), or of character 2-5-grams
(char: across the text; char_wb: inside words padded with spaces, scikit-learn's
two analyzers); classifier LinearSVC (C=1) one-vs-rest; multi-label
(when a training doc has several labels): labels with a positive margin, or the best
one when none is positive.  Prints
"train_s=... predict_s=..." (fit / predict CPU time, vectorising included) on stderr.
"""
import json
import sys
import time

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.svm import LinearSVC


def load(path):
    docs = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
    return docs, [(d.get("title") or "") + "\n" + (d.get("text") or "") for d in docs]


def main():
    tr, trx = load(sys.argv[1])
    te, tex = load(sys.argv[2])
    multi = any(len(d["labels"]) > 1 for d in tr)
    t0 = time.process_time()
    analyzer = sys.argv[4] if len(sys.argv) > 4 else "word"
    if analyzer == "word":
        vec = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2))
    else:
        vec = TfidfVectorizer(sublinear_tf=True, analyzer=analyzer, ngram_range=(2, 5))
    X = vec.fit_transform(trx)
    if multi:
        mlb = MultiLabelBinarizer()
        Y = mlb.fit_transform([d["labels"] for d in tr])
        clf = OneVsRestClassifier(LinearSVC(C=1.0)).fit(X, Y)
        classes = mlb.classes_
    else:
        clf = LinearSVC(C=1.0).fit(X, [d["labels"][0] for d in tr])
        classes = clf.classes_
    t1 = time.process_time()
    M = clf.decision_function(vec.transform(tex))
    t2 = time.process_time()
    with open(sys.argv[3], "w") as out:
        for d, m in zip(te, M):
            order = sorted(range(len(classes)), key=lambda i: -m[i])
            if multi:
                # positive margins, else the best label (wirewatch's rule too: every
                # Reuters document has at least one label)
                labels = [classes[i] for i in order if m[i] > 0] or [classes[order[0]]]
            else:
                labels = [classes[order[0]]]
            scores = {classes[i]: float(m[i]) for i in order[:5]}
            out.write(json.dumps({"id": d["id"], "labels": labels, "scores": scores}) + "\n")
    print("train_s=%.3f predict_s=%.3f" % (t1 - t0, t2 - t1), file=sys.stderr)


if __name__ == "__main__":
    main()
