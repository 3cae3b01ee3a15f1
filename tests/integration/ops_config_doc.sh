#!/usr/bin/env bash
# docs/config.md is current: it is exactly what tests/tools/gen-config-doc.sh prints from
# the binary's key tables (every key of every stage, with type, default and doc).
cd "$(dirname "$0")/../.." && . tests/lib/common.sh
tests/tools/gen-config-doc.sh "$WW" >"$T/config.md"
if diff -u docs/config.md "$T/config.md" >"$T/diff"; then
    echo "ok - docs/config.md is current"
else
    echo "not ok - docs/config.md is current (run: tests/tools/gen-config-doc.sh > docs/config.md)"
    head -n 40 "$T/diff" | sed 's/^/# /'
    exit 1
fi
# every key --print-config lists is in the document (a second, independent look)
missing=$("$WW" classify --print-config | sed -n 's/^# \([^ ]*\) (.*/\1/p' |
          while read -r k; do grep -q "| \`$k\` |" docs/config.md || echo "$k"; done)
check "every --print-config key is documented" [ -z "$missing" ]
[ -z "$missing" ] || echo "# missing: $missing"
finish
