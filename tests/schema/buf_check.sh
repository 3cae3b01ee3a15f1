#!/usr/bin/env bash
# The wire contract cannot break by accident: `buf lint` (buf.yaml's rules) and
# `buf breaking` of proto/ against the released schema kept in proto/released/
# (docs/messages.md, "Schema rules"), then proof that the check bites: copies of the
# schema with one field renumbered, retyped, renamed or deleted must each fail.
# buf is the npm package @bufbuild/buf, installed into tests/node_modules by
# tests/run-all.sh (pinned in tests/package.json / package-lock.json).  TAP lines.
set -u
ROOT=${WW_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BUF=${BUF:-$ROOT/tests/node_modules/.bin/buf}
T=$(mktemp -d /tmp/ww-buf.XXXXXX)
trap 'rm -rf "$T"' EXIT
N_FAIL=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; N_FAIL=$((N_FAIL + 1)); }
if [ ! -x "$BUF" ]; then
    bad "buf is installed in tests/node_modules (npm ci --prefix tests)"
    exit 1
fi
export BUF_CACHE_DIR=$T/cache

# buf refuses a baseline inside the module it checks (proto/released is excluded from
# the module in buf.yaml), so it is compared from a copy.
mkdir -p "$T/released"
cp -r "$ROOT/proto/released/." "$T/released/"

if (cd "$ROOT" && "$BUF" lint) >"$T/lint.log" 2>&1; then ok "buf lint proto/"
else bad "buf lint proto/"; sed 's/^/#   /' "$T/lint.log"; fi

if (cd "$ROOT" && "$BUF" breaking --against "$T/released") >"$T/breaking.log" 2>&1; then
    ok "buf breaking: proto/ is compatible with proto/released/"
else
    bad "buf breaking: proto/ is compatible with proto/released/"
    sed 's/^/#   /' "$T/breaking.log"
fi

# must_break NAME SED-EXPRESSION PATTERN: the schema with one edit fails `buf breaking`
# with a finding matching PATTERN (so the edit really applied and was the cause).
must_break() {
    local name=$1 expr=$2 want=$3 w=$T/w-$RANDOM
    mkdir -p "$w"
    cp "$ROOT/buf.yaml" "$w/"
    cp -r "$ROOT/proto" "$w/"
    sed -i -E "$expr" "$w/proto/wirewatch/v1/wirewatch.proto"
    if cmp -s "$ROOT/proto/wirewatch/v1/wirewatch.proto" "$w/proto/wirewatch/v1/wirewatch.proto"; then
        bad "$name (the edit did not apply)"; return
    fi
    (cd "$w" && "$BUF" breaking --against "$T/released") >"$w/out.log" 2>&1
    local rc=$?
    if [ "$rc" != 0 ] && grep -qE "$want" "$w/out.log"; then
        ok "$name fails buf breaking: $(grep -E "$want" "$w/out.log" | head -1 | sed 's/^[^:]*:[0-9]*:[0-9]*://')"
    else
        bad "$name fails buf breaking (exit $rc)"; sed 's/^/#   /' "$w/out.log"
    fi
}
must_break "DeadLetter.reason renumbered 2 -> 22" \
    's/^(  string reason = )2;/\122;/' 'field "2" with name "reason"'
must_break "Span.start retyped uint32 -> int64" \
    's/^(  )uint32( start = 1;)/\1int64\2/' 'type from "uint32" to "int64"'
must_break "Label.score renamed to weight" \
    's/^(  float )score( = 5;)/\1weight\2/' 'name from "score" to "weight"'
must_break "Document.simhash deleted without reserving" \
    '/^  fixed64 simhash = 12;/d' 'field "12" with name "simhash"'
must_break "message Classified renamed" \
    's/^message Classified \{/message ClassifiedV1 {/' 'Classified'

[ "$N_FAIL" = 0 ]
