#!/usr/bin/env bash
# The README's example is true: its command, run on the sample page, prints the JSON the
# README shows (compared as JSON, key order and spacing aside).  When labels, confidence
# or entities change on purpose, update the README with the new output.
cd "$(dirname "$0")/../.." && . tests/lib/common.sh
python3 - README.md "$T" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"## Example\n\n```sh\n(.*?)```\n```json\n(.*?)```", text, re.S)
if not m:
    sys.exit("README: no '## Example' with a sh block followed by a json block")
open(sys.argv[2] + "/cmd.sh", "w").write(m.group(1))
open(sys.argv[2] + "/want.json", "w").write(m.group(2))
PY
check "README has an example command and its output" [ -s "$T/cmd.sh" ]
# the README calls the binary bin/wirewatch; the test runs the one under test
sed -i "s#bin/wirewatch#$WW#" "$T/cmd.sh"
bash "$T/cmd.sh" > "$T/got.json" 2>"$T/err.log"
check "the example command runs" [ -s "$T/got.json" ]
jq -S . "$T/want.json" > "$T/want.norm" 2>/dev/null
jq -S . "$T/got.json" > "$T/got.norm" 2>/dev/null
check "it prints what the README shows" cmp -s "$T/want.norm" "$T/got.norm"
diff "$T/want.norm" "$T/got.norm" | head -20 | sed 's/^/# /'
finish
