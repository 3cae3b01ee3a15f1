#!/usr/bin/env bash
# Runs every libFuzzer target (built by `make FUZZ=1 fuzz-bin`) for SECONDS each over
# its corpus in tests/fuzz/corpus/<target>/, and prints executions and findings per
# target.  New interesting inputs go to build-fuzz/new-corpus/<target>/ (review, then
# copy the useful ones into the corpus); crashes to build-fuzz/findings/<target>/.
set -u
cd "$(dirname "$0")/../.."
SECONDS_EACH=${1:-60}
status=0
printf '%-22s %10s %12s %9s\n' target seconds executions findings
for bin in build-fuzz/fuzz/fuzz_*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin")
    corpus=tests/fuzz/corpus/$name
    new=build-fuzz/new-corpus/$name; findings=build-fuzz/findings/$name
    mkdir -p "$new" "$findings" "$corpus"
    log=build-fuzz/$name.log
    "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=1048576 \
        -artifact_prefix="$findings/" -print_final_stats=1 "$new" "$corpus" >"$log" 2>&1
    rc=$?
    execs=$(grep -a 'stat::number_of_executed_units' "$log" | awk '{print $2}')
    n=$(ls "$findings" | wc -l)
    printf '%-22s %10s %12s %9s\n' "$name" "$SECONDS_EACH" "${execs:-?}" "$n"
    if [ "$rc" != 0 ] || [ "$n" != 0 ]; then status=1; tail -n 30 "$log"; fi
done
exit $status
