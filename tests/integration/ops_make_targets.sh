#!/usr/bin/env bash
# The Makefile's entry points (issue 18): `make` alone builds bin/wirewatch; `make deps`
# installs what building and running need and nothing only the tests use, `make
# deps-test` (called by `make test`) adds the test packages, `make deps-bench` the
# benchmark ones too.  Nothing is built or installed: dry runs (make -n), and the deps
# targets run against stand-ins for dpkg-query (every package missing), apt-get (writes
# down what it was asked to install) and sudo.
cd "$(dirname "$0")/../.." && . tests/lib/common.sh
# run-all.sh may itself run under make: its flags (jobserver descriptors) are not ours
unset MAKEFLAGS MFLAGS MAKELEVEL

# -B: everything counts as out of date, so the dry run lists every command the default
# goal needs, however up to date the tree is
make -n -B >"$T/default.txt" 2>"$T/default.err"
check "make with no target links bin/wirewatch" grep -q -- '-o bin/wirewatch ' "$T/default.txt"
check "... and the default goal is build" \
    [ "$(make -pq 2>/dev/null | sed -n 's/^\.DEFAULT_GOAL := //p')" = build ]

mkdir -p "$T/stub"
printf '#!/bin/sh\nexit 1\n' >"$T/stub/dpkg-query"
cat >"$T/stub/apt-get" <<'STUB'
#!/bin/sh
[ "$1" = install ] || exit 0
shift
for a; do case $a in -*) ;; *) echo "$a" ;; esac; done >>"$APT_LOG"
STUB
printf '#!/bin/sh\nexec "$@"\n' >"$T/stub/sudo"
chmod +x "$T"/stub/*

# installs TARGET: the packages `make TARGET` asks apt-get for, one a line, sorted
installs() {
    APT_LOG="$T/$1.pkgs" PATH="$T/stub:$PATH" make --no-print-directory "$1" \
        >"$T/$1.out" 2>&1 || echo "make $1 failed" >>"$T/$1.out"
    sort -u "$T/$1.pkgs" 2>/dev/null
}
# var NAME: the Makefile's value of a variable, one word a line, sorted
var() { make -pq 2>/dev/null | sed -n "s/^$1 *:= //p" | tr ' ' '\n' | sed '/^$/d' | sort -u; }
installs deps >"$T/deps.list"; installs deps-test >"$T/test.list"
installs deps-bench >"$T/bench.list"
var DEB_BUILD >"$T/DEB_BUILD"; var DEB_TEST >"$T/DEB_TEST"; var DEB_BENCH >"$T/DEB_BENCH"

has_all() { [ -s "$2" ] && [ -z "$(comm -23 "$2" "$1")" ]; }  # has_all LIST WANTED
has_none() { [ -z "$(comm -12 "$1" "$2")" ]; }                 # has_none LIST UNWANTED
check "make deps installs every build package" has_all "$T/deps.list" "$T/DEB_BUILD"
check "... and ca-certificates (https fetches at run time)" grep -qx ca-certificates "$T/deps.list"
check "... and no test package" has_none "$T/deps.list" "$T/DEB_TEST"
for p in chromium prometheus default-jre-headless nginx-light clang clang-format; do
    check "... not $p" bash -c "! grep -qx $p '$T/deps.list'"
done
check "make deps-test installs the build packages" has_all "$T/test.list" "$T/DEB_BUILD"
check "... and every test package" has_all "$T/test.list" "$T/DEB_TEST"
check "... and no benchmark package" has_none "$T/test.list" "$T/DEB_BENCH"
check "make deps-bench installs build, test and benchmark packages" bash -c \
    "has_all() { [ -z \"\$(comm -23 \"\$2\" \"\$1\")\" ]; }
     has_all '$T/bench.list' '$T/DEB_BUILD' && has_all '$T/bench.list' '$T/DEB_TEST' &&
     has_all '$T/bench.list' '$T/DEB_BENCH'"

# what `make run` and `make test` would install: their dry runs print the deps recipe
# with its package list (the recursive make of deps-test runs, dry, too)
make -n run >"$T/run.txt" 2>&1
make -n test >"$T/test.txt" 2>&1
check "make run installs the build packages" grep -q 'libcurl4-openssl-dev' "$T/run.txt"
check "... but not the test packages" bash -c "! grep -qE 'chromium|prometheus|libcmocka-dev' '$T/run.txt'"
check "make test installs the test packages" grep -q 'chromium' "$T/test.txt"
check "... and the build packages" grep -q 'libcurl4-openssl-dev' "$T/test.txt"
check "... then runs tests/run-all.sh" grep -q 'tests/run-all.sh' "$T/test.txt"
[ "$N_FAIL" != 0 ] && head -n 20 "$T/default.txt" "$T/default.err" "$T"/*.out
finish
