#!/usr/bin/env bash
# Classify-rules benchmark: matcher throughput (default IPTC taxonomy, 100 and 10,000
# synthetic rules, same run) and top-1 accuracy of the default rules on BBC News, and on
# German news (10kGNAD) when CLASSIFY_DEV_DIR/gnad10k exists.
#   tests/bench/bench-matcher.sh ../shared/bench/classify-dev [REPEAT]
# Prints figures; asserts nothing.  Needs build/libwirewatch.a (make build/libwirewatch.a).
set -euo pipefail
data=${1:?usage: bench-matcher.sh CLASSIFY_DEV_DIR [REPEAT]}
repeat=${2:-3}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-build}
out=$root/$build/bench/bench_classify_rules
mkdir -p "$(dirname "$out")"
make -C "$root" --no-print-directory "$build/libwirewatch.a" >/dev/null
# the library's own link flags, whatever the other modules in it need
libs=$(make -C "$root" --no-print-directory -s --eval 'ww-print-ldlibs: ; @echo $(LDLIBS)' ww-print-ldlibs)
cflags=$(pkg-config --cflags jansson libprotobuf-c libutf8proc)
# shellcheck disable=SC2086
cc -std=gnu11 -O2 -g -Wall -Wextra -Werror -I"$root/include" -I"$root/$build/gen" $cflags \
    "$root/tests/bench/bench_classify_rules.c" "$root/$build/libwirewatch.a" $libs -o "$out"
bbc=$data/bbc/dev.jsonl
echo "== matcher throughput (single thread, -O2; title+text of $bbc)"
"$out" speed "$bbc" "$repeat"
echo "== BBC top-1 accuracy of the default IPTC rules (goal 0.85)"
"$out" bbc "$bbc"
gnad=$data/gnad10k/dev.jsonl
if [ -d "$data/gnad10k" ]; then
    echo "== 10kGNAD (German) top-1 top-level accuracy of the default rules (goal 0.80)"
    "$out" gnad "$gnad"
fi
