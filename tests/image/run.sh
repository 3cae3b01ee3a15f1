#!/usr/bin/env bash
# The container image as an operator runs it (issue 18).  Needs the image built
# (`make image`, which `make test-image` does first).  TAP lines:
#   - it runs as uid 10001 with a read-only root filesystem (a write to / fails);
#   - `wirewatch run` in it classifies a sample;
#   - the three workers (fetch, parse, classify), each in its own container, carry 100
#     documents through a real Kafka broker: tests/integration/kafka_pipeline.sh with
#     $WW pointing at the image (its checks: every input classified, SIGTERM exits 0).
# The broker is $KAFKA_BOOTSTRAP when set (tests/run-all.sh), else one started here.
cd "$(dirname "$0")/../.." && . tests/lib/common.sh
IMAGE=${WW_IMAGE:-localhost/wirewatch:dev}
export CONTAINERS_CONF=$T/containers.conf
# runc, not crun, and no default ulimits: what works on these hosts (cgroups v1 hybrid)
printf '[containers]\ndefault_ulimits = []\n' >"$CONTAINERS_CONF"
PODMAN=(podman --storage-driver vfs --runtime runc)

if ! "${PODMAN[@]}" image exists "$IMAGE"; then
    echo "not ok - image $IMAGE exists (run make image)"; exit 1
fi
base=$("${PODMAN[@]}" image inspect --format '{{.Size}}' docker.io/library/debian:12-slim 2>/dev/null || echo 0)
size=$("${PODMAN[@]}" image inspect --format '{{.Size}}' "$IMAGE")
echo "# image $IMAGE: $((size / 1000000)) MB on a base of $((base / 1000000)) MB"

run_img() { "${PODMAN[@]}" run --rm --network host --read-only --tmpfs /tmp "$@"; }
check "runs as uid 10001" [ "$(run_img --entrypoint /usr/bin/id "$IMAGE" -u)" = 10001 ]
check "root filesystem is read-only" bash -c "! ${PODMAN[*]} run --rm --read-only --entrypoint /usr/bin/touch $IMAGE /x 2>/dev/null"
run_img -v "$PWD/tests/fixtures/samples:/in:ro" "$IMAGE" run /in/harbour-spill.html \
    >"$T/run.jsonl" 2>"$T/run.log"
check "wirewatch run in the image classifies a sample (environment label)" \
    grep -q '"code":"medtop:06000000"' "$T/run.jsonl"
check "... and finds its entities" grep -q '"id":"iso3166:MT"' "$T/run.jsonl"

# the workers from the image against a broker
B=${KAFKA_BOOTSTRAP:-}
if [ -z "$B" ]; then
    KSTATE=$(mktemp -d /tmp/ww-kafka.XXXXXX)
    trap 'deploy/dev/kafka.sh stop "$KSTATE" >/dev/null 2>&1; rm -rf "$T"' EXIT
    B=$(deploy/dev/kafka.sh start "$KSTATE" 2>"$T/kafka.log") || { tail "$T/kafka.log"; echo "not ok - broker"; exit 1; }
fi
# $WW for the pipeline test: one container per call; the test's files live under /tmp,
# bound at the same path (the root stays read-only)
cat >"$T/ww-image" <<SH
#!/bin/sh
exec ${PODMAN[*]} run --rm -i --network host --read-only -v /tmp:/tmp "$IMAGE" "\$@"
SH
chmod +x "$T/ww-image"
# (the containers run as uid 10001: WW_TEST_SHARED_T opens the test's temp dir to them)
WW_TEST_SHARED_T=1 WW="$T/ww-image" KAFKA_BOOTSTRAP="$B" KAFKA_PIPELINE_DOCS=100 \
    tests/integration/kafka_pipeline.sh \
    >"$T/pipeline.tap" 2>&1
prc=$?
sed -n 's/^\(not ok\|ok\)\( [0-9]*\)\? - /\1 - image: /p; /^#/p' "$T/pipeline.tap"
check "kafka_pipeline.sh with the image's workers exits 0" [ "$prc" = 0 ]
[ -n "${KEEP:-}" ] && cp "$T"/pipeline.tap "$KEEP"/
finish
