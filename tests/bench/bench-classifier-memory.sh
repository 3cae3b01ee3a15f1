#!/usr/bin/env bash
# Where the default classifier's memory goes (docs/benchmarks.md, "Classifier memory"):
# builds tests/bench/classifier_rss.c against build/libwirewatch.a and runs it (RSS by
# mapping, malloc statistics, peak, build time), then, with MASSIF=1, once more under
# valgrind's massif and prints the built classifier's heap by allocation site.
#   tests/bench/bench-classifier-memory.sh            MASSIF=1 tests/bench/...
# Prints figures; asserts nothing.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-build}
out=$root/$build/bench/classifier_rss
mkdir -p "$(dirname "$out")"
make -C "$root" --no-print-directory "$build/libwirewatch.a" >/dev/null
libs=$(make -C "$root" --no-print-directory -s --eval 'ww-print-ldlibs: ; @echo $(LDLIBS)' ww-print-ldlibs)
# shellcheck disable=SC2086
cc -std=gnu11 -O2 -g -Wall -Wextra -Werror -I"$root/include" -I"$root/$build/gen" \
    "$root/tests/bench/classifier_rss.c" "$root/$build/libwirewatch.a" $libs -o "$out"
"$out"
if [ "${MASSIF:-0}" = 1 ]; then
    snap=$(mktemp /tmp/classifier-massif.XXXXXX)
    valgrind --tool=massif --massif-out-file=/dev/null --depth=4 \
        "$out" "detailed_snapshot $snap" >/dev/null 2>&1
    ms_print --threshold=2 "$snap" | sed -n '/^->/,$p' | grep -E '^(->|\| ->)' | cut -c1-150
    rm -f "$snap"
fi
