#!/usr/bin/env bash
# Article-extraction benchmark: wirewatch extract vs readability-lxml on the same pages.
#
#   tests/bench/bench-extract.sh BENCH_DIR [SCORER_OR_BENCH_ROOT] [--reps N]
#   make bench-extract BENCH=/path/to/bench/extraction-dev
#
# BENCH_DIR holds html/<id>.html.gz, ground-truth.json and ids.txt (the
# article-extraction-benchmark layout); the scorer defaults to BENCH_DIR/../extract_score.py.
# Prints F1/precision/recall, pages/s (CPU time, and wall) and peak RSS of wirewatch, F1 and pages/s of
# readability-lxml (Debian python3-readability, run by /usr/bin/python3), and the ratio.
# Nothing from the dataset is copied into the repository.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -ge 1 ] || { sed -n '2,12p' "$0"; exit 2; }
WW=${WW:-bin/wirewatch}
[ -x "$WW" ] || { echo "bench-extract: $WW not built (make build)" >&2; exit 1; }
/usr/bin/python3 -c 'import readability, lxml' 2>/dev/null || {
    echo "bench-extract: needs Debian python3-readability (make deps-bench)" >&2; exit 1; }
exec /usr/bin/python3 tests/bench/bench_extract.py "$WW" "$@"
