#!/usr/bin/env bash
# The status page of a running classify worker in headless Chromium (Debian chromium):
# it renders the stage, the rates and the recent documents, loads nothing from
# elsewhere, logs no console message (script errors, failed loads), and a screenshot
# is saved to build/test-logs/ops-status-page.png.  A page with a script error is
# rendered the same way first, to show the console check catches one.
cd "$(dirname "$0")/../.." && . tests/lib/common.sh && . tests/lib/ops.sh

CHROMIUM=$(command -v chromium || command -v chromium-browser) ||
    { echo "not ok - chromium installed (make deps-test)"; exit 1; }
SHOTS="$WW_ROOT/build/test-logs"; mkdir -p "$SHOTS"

# chrome ARGS... : headless Chromium, stderr (its log) in $T/chrome.log
chrome() {
    timeout -k 5 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
        --no-first-run --disable-background-networking --disable-component-update \
        --disable-sync --user-data-dir="$(mktemp -d "$T/chrome.XXXXXX")" \
        --enable-logging=stderr --v=0 "$@" 2>"$T/chrome.log" 3>&-
}

printf '<!DOCTYPE html><html><body><p>x</p><script>notDefined()</script></body></html>' >"$T/bad.html"
chrome --dump-dom "file://$T/bad.html" >/dev/null
check "control: a script error shows up as a CONSOLE line" grep -q ':CONSOLE' "$T/chrome.log"

P=$(free_port)
start_classify "$P" || { echo "not ok - worker HTTP up"; exit 1; }
feed 12 0
wait_metric "$P" 'wirewatch_classify_messages_out_total{output="main"}' 12 >/dev/null
# one error for the "last errors" table: a line that is not a Document
echo '{"id":"broken","no_such_field":1}' >&3
wait_metric "$P" wirewatch_classify_dead_lettered_total 1 >/dev/null

chrome --dump-dom "http://127.0.0.1:$P/" >"$T/dom.html"
cp "$T/chrome.log" "$T/chrome-dom.log"
check "page rendered (DOM dumped)" grep -q '<h1>wirewatch classify</h1>' "$T/dom.html"
check "no console messages (no script errors, no failed loads)" bash -c "! grep ':CONSOLE' '$T/chrome-dom.log'"
check "ten most recent documents, newest first" \
    python3 - "$T/dom.html" <<'PY'
import re, sys
dom = open(sys.argv[1]).read()
ids = re.findall(r'<td class="muted">(doc-\d+)</td>', dom)
assert ids == [f"doc-{i}" for i in range(11, 1, -1)], ids
PY
check "last errors table shows the dead letter" grep -q 'malformed' "$T/dom.html"
check "rates shown" grep -q 'in / s' "$T/dom.html"
check "no external resources (only relative links)" \
    bash -c "! grep -Eo '(src|href)=\"[a-z]+:[^\"]*' '$T/dom.html' | grep -v '^href=\"data:,'"

chrome --screenshot="$SHOTS/ops-status-page.png" --window-size=1200,900 "http://127.0.0.1:$P/"
check "screenshot saved (build/test-logs/ops-status-page.png)" \
    python3 -c "import sys; b=open(sys.argv[1],'rb').read(); assert b[:8]==b'\x89PNG\r\n\x1a\n' and len(b) > 10000" \
    "$SHOTS/ops-status-page.png"
check "no console messages while taking it" bash -c "! grep ':CONSOLE' '$T/chrome.log'"

exec 3>&-
wait_pid "$WPID" 30
check "worker exits 0" [ $? = 0 ]
finish
