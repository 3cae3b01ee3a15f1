#!/usr/bin/env bash
# Language identification figures: how the parse stage's language confidence separates
# right from wrong guesses on tests/fixtures/langid/cases.tsv (short headlines, very
# short and name-only lines, Chinese with pinyin and other mixed-script texts,
# paragraphs) and on every story under tests/fixtures/stories/<lang>/.
#   tests/bench/bench-langid.sh [-v]
# Prints figures; asserts nothing.  Used to choose parse.langid_min_confidence and
# parse.langid_short_text_bytes (docs/benchmarks.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-build}
out=$root/$build/bench/bench_langid
mkdir -p "$(dirname "$out")"
make -C "$root" --no-print-directory "$build/libwirewatch.a" >/dev/null
libs=$(make -C "$root" --no-print-directory -s --eval 'ww-print-ldlibs: ; @echo $(LDLIBS)' ww-print-ldlibs)
# shellcheck disable=SC2086
cc -std=gnu11 -O2 -g -Wall -Wextra -Werror -I"$root/include" \
    "$root/tests/bench/bench_langid.c" "$root/$build/libwirewatch.a" $libs -o "$out"
stories=()
for d in "$root"/tests/fixtures/stories/*/; do
    lang=$(basename "$d"); lang=${lang%%-*}     # zh-hant -> zh
    for f in "$d"*.txt; do [ -f "$f" ] && stories+=("$lang=$f"); done
done
"$out" "$root/tests/fixtures/langid/cases.tsv" "${stories[@]}" "$@"
