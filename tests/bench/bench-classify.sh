#!/bin/sh
# bench-classify: wirewatch's linear model vs fastText vs TF-IDF + LinearSVC, 5-fold CV.
# usage: tests/bench/bench-classify.sh BENCH_DIR [WW [SETS]]
#   BENCH_DIR  the classify-dev directory (e.g. ../shared/bench/classify-dev)
#   WW         wirewatch binary (default bin/wirewatch)
#   SETS       comma-separated subset of bbc,reuters,gnad10k (default: all present)
# Needs Debian's fasttext and python3-sklearn (make deps-bench).  Prints figures; it is
# not a pass/fail test.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 BENCH_DIR [WW]" >&2; exit 2; }
BENCH=$1
WW=${2:-bin/wirewatch}
[ -f "$BENCH/bbc/dev.jsonl" ] || { echo "bench-classify: $BENCH has no bbc/dev.jsonl" >&2; exit 2; }
command -v fasttext >/dev/null || { echo "bench-classify: fasttext missing (make deps-bench)" >&2; exit 2; }
/usr/bin/python3 -c 'import sklearn' || { echo "bench-classify: python3-sklearn missing (make deps-bench)" >&2; exit 2; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ww-bench-classify-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
/usr/bin/python3 "$(dirname "$0")/bench_classify.py" "$BENCH" "$WW" "$WORK" "${3:-}"
