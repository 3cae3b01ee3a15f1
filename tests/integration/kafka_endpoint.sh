#!/usr/bin/env bash
# The Kafka endpoint's cmocka tests (tests/unit/test_kafka_endpoint.c) against the real
# broker the runner started (KAFKA_BOOTSTRAP).  Without a broker the unit binary skips
# itself; here it must run.
set -u
: "${KAFKA_BOOTSTRAP:?KAFKA_BOOTSTRAP must name the test broker}"
cd "${WW_ROOT:-$(dirname "$0")/../..}"
bin=build/tests/test_kafka_endpoint
[ -x "$bin" ] || { echo "not ok - $bin not built (make unit)"; exit 1; }
exec "$bin"
