#!/usr/bin/env bash
# worker.threads (docs/architecture.md, "worker.threads"): parse and classify with 2
# processing threads give the outputs of 1 thread, in the same order — Documents (whose
# near-duplicate marks depend on the order pages arrive in), Classified, alerts, dead
# letters and status events — over files and over a ZeroMQ hop; a taxonomy reloaded
# mid-stream with 2 threads switches between two documents, never back
# (ops_reload_taxonomy.sh with worker.threads=2); worker.threads outside 1..64 is
# refused.  Timestamps (trace stamps, at_us, duration_us) are the only fields compared
# loosely.  Run again under ASan/UBSan by make test.
cd "$(dirname "$0")/../.." && . tests/lib/common.sh

# Pages: every HTML and text fixture, 3 copies each (near-duplicates of each other),
# each with its own trace id, and inputs parse refuses between them.
python3 - "$T/pages.jsonl" <<'PY'
import base64, glob, json, sys
files = sorted(glob.glob("tests/fixtures/samples/*") + glob.glob("tests/fixtures/extract-web/*/*.html")
               + glob.glob("tests/fixtures/stories/*/*.txt"))
b64 = lambda b: base64.b64encode(b).decode()
n = 0
with open(sys.argv[1], "w") as f:
    for copy in range(3):
        for p in files:
            body = open(p, "rb").read() + (b"\n<!-- copy %d -->" % copy if copy else b"")
            kind = "text/plain; charset=utf-8" if p.endswith(".txt") else "text/html"
            n += 1
            f.write(json.dumps({"final_url": f"https://t.example/{copy}/{p}", "content_type": kind,
                                "body": b64(body), "trace": {"trace_id": f"page-{n}"}}) + "\n")
            if n % 17 == 0:
                f.write('{"final_url": 42}\n')  # not a Page
            if n % 23 == 0:
                f.write(json.dumps({"final_url": f"https://t.example/{n}.png", "content_type": "image/png",
                                    "body": b64(b"\x89PNG\r\n\x1a\n\0\0")}) + "\n")
PY
cat >"$T/watch.json" <<'JSON'
{"name": "watch-t", "version": "1", "threshold": 1,
 "topics": [{"code": "w:gov", "name": "Government watch", "terms": ["government", "minister"]}]}
JSON
cat >"$T/cfg.json" <<JSON
{"classify": {"watchlists": ["$T/watch.json"],
              "routes": [{"label": "w:gov", "min_score": 1, "output": "alerts"}]}}
JSON

# parse_run THREADS NAME: pages.jsonl through the parse worker over files
parse_run() {
    "$WW" parse --in "file:$T/pages.jsonl" --out "file:$T/docs-$2.jsonl" \
        --dead-letter "file:$T/pdead-$2.jsonl" --status "file:$T/pstatus-$2.jsonl" \
        --set "worker.threads=$1" 2>"$T/parse-$2.log"
}
# classify_run THREADS NAME INPUT: Documents through the classify worker over files
classify_run() {
    "$WW" classify --in "file:$3" --out "file:$T/cl-$2.jsonl" --alerts "file:$T/al-$2.jsonl" \
        --dead-letter "file:$T/cdead-$2.jsonl" --status "file:$T/cstatus-$2.jsonl" \
        --config "$T/cfg.json" --set "worker.threads=$1" 2>"$T/classify-$2.log"
}
# same A B: the two JSON-lines files hold the same messages in the same order, times
# aside; says where they first differ
same() {
    python3 - "$1" "$2" <<'PY'
import json, sys
def norm(o):
    if isinstance(o, dict):
        return {k: norm(v) for k, v in o.items() if k not in ("at_us", "duration_us", "stamps")}
    if isinstance(o, list):
        return [norm(v) for v in o]
    return o
def load(p):
    try:
        return [norm(json.loads(l)) for l in open(p) if l.strip()]
    except FileNotFoundError:
        return []
a, b = load(sys.argv[1]), load(sys.argv[2])
if a != b:
    i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    print(f"# {sys.argv[1]} ({len(a)}) and {sys.argv[2]} ({len(b)}) differ at message {i}")
    sys.exit(1)
sys.exit(0 if a else 1)  # an empty output proves nothing
PY
}

parse_run 1 one; r1=$?
parse_run 2 two; r2=$?
check "parse exits 0 with 1 and with 2 threads" [ "$r1$r2" = 00 ]
check "parse ran 2 processing threads" grep -q '2 processing threads' "$T/parse-two.log"
check "parse: Documents equal, same order" same "$T/docs-one.jsonl" "$T/docs-two.jsonl"
check "parse: near-duplicates marked (the copies)" \
    [ "$(grep -c '"near_duplicate_of"' "$T/docs-two.jsonl")" -gt 10 ]
check "parse: dead letters equal, same order" same "$T/pdead-one.jsonl" "$T/pdead-two.jsonl"
check "parse: status events equal, same order" same "$T/pstatus-one.jsonl" "$T/pstatus-two.jsonl"

# classify over files: the Documents above plus a line that is not JSON and an empty
# document, so dead letters and filtered outcomes have their places too
{ head -n 20 "$T/docs-one.jsonl"; echo '{not json'; echo '{"id":"empty","text":"","trace":{"trace_id":"t-empty"}}'
  tail -n +21 "$T/docs-one.jsonl"; } >"$T/docs-in.jsonl"
classify_run 1 one "$T/docs-in.jsonl"; r1=$?
classify_run 2 two "$T/docs-in.jsonl"; r2=$?
check "classify exits 0 with 1 and with 2 threads" [ "$r1$r2" = 00 ]
check "classify: Classified equal, same order" same "$T/cl-one.jsonl" "$T/cl-two.jsonl"
check "classify: alerts equal, same order" same "$T/al-one.jsonl" "$T/al-two.jsonl"
check "classify: dead letters equal, same order" same "$T/cdead-one.jsonl" "$T/cdead-two.jsonl"
check "classify: status events equal, same order" same "$T/cstatus-one.jsonl" "$T/cstatus-two.jsonl"

# parse -> classify over ZeroMQ tcp, 2 threads each, against 1 thread over files
classify_run 1 ref "$T/docs-one.jsonl"
Z=$(free_port)
"$WW" classify --in "zmq+tcp://*:$Z" --out "file:$T/cl-zmq.jsonl" --alerts "file:$T/al-zmq.jsonl" \
    --config "$T/cfg.json" --set worker.threads=2 2>"$T/classify-zmq.log" & C=$!; PIDS+=($C)
"$WW" parse --in "file:$T/pages.jsonl" --out "zmq+tcp://127.0.0.1:$Z" \
    --set worker.threads=2 2>"$T/parse-zmq.log" & P=$!; PIDS+=($P)
wait_pid $P 60; rp=$?
wait_pid $C 60; rc=$?
check "ZeroMQ: parse and classify exit 0 at end of stream" [ "$rp$rc" = 00 ]
check "ZeroMQ, 2 threads: Classified equal to 1 thread over files, same order" \
    same "$T/cl-ref.jsonl" "$T/cl-zmq.jsonl"
check "ZeroMQ, 2 threads: alerts equal, same order" same "$T/al-ref.jsonl" "$T/al-zmq.jsonl"

# a reload mid-stream with 2 threads: the hot-reload test itself, threaded
reload_threaded() { WW_TEST_THREADS=2 tests/integration/ops_reload_taxonomy.sh >"$T/reload.log" 2>&1; }
check "taxonomy reload mid-stream with 2 threads (ops_reload_taxonomy.sh)" reload_threaded
grep '^not ok' "$T/reload.log"

for bad in 0 65; do
    "$WW" classify --in "file:$T/docs-one.jsonl" --out "file:$T/never.jsonl" \
        --set "worker.threads=$bad" 2>"$T/bad.log"; rb=$?
    check "worker.threads=$bad refused, the key named" \
        sh -c "[ $rb != 0 ] && grep -q 'worker.threads must be within 1..64' '$T/bad.log'"
done
[ "$N_FAIL" = 0 ] || tail -n 5 "$T"/*.log
finish
