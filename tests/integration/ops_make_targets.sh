#!/usr/bin/env bash
# The Makefile's entry points (issue 18): `make` alone builds bin/wirewatch.  Dry runs
# only (make -n): nothing is built or installed.
cd "$(dirname "$0")/../.." && . tests/lib/common.sh
# run-all.sh may itself run under make: its flags (jobserver descriptors) are not ours
unset MAKEFLAGS MFLAGS MAKELEVEL

# -B: everything counts as out of date, so the dry run lists every command the default
# goal needs, however up to date the tree is
make -n -B >"$T/default.txt" 2>"$T/default.err"
check "make with no target links bin/wirewatch" grep -q -- '-o bin/wirewatch ' "$T/default.txt"
check "... and the default goal is build" \
    [ "$(make -pq 2>/dev/null | sed -n 's/^\.DEFAULT_GOAL := //p')" = build ]
[ "$N_FAIL" != 0 ] && head -n 20 "$T/default.txt" "$T/default.err"
finish
