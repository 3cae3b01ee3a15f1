/* The runtime's own configuration keys ("worker.*", "zmq.*", "http.*", "log.*"), the
 * one place their defaults are written: the worker loop, the endpoints (also when
 * opened without a configuration: ww__ep_cfg_int) and docs/config.md read them here. */
#include "wirewatch/worker.h"

const ww_config_key ww_runtime_config_keys[] = {
    {"worker.max_message_bytes", WW_CFG_INT, "16777216",
     "Largest input message accepted; larger ones are dead-lettered as oversized."},
    {"worker.max_open_jobs", WW_CFG_INT, "10000",
     "Inputs in flight (in the stage or awaiting output delivery) before the worker "
     "stops reading input: bounds memory when outputs are slow."},
    {"worker.max_open_bytes", WW_CFG_INT, "16777216",
     "Bytes of input in flight (in the stage or awaiting output delivery) before the "
     "worker stops reading input, beside worker.max_open_jobs: pages weigh hundreds of "
     "kilobytes.  One input is always taken when none is open.  0 = no byte bound."},
    {"worker.threads", WW_CFG_INT, "1",
     "Threads that process inputs (parse, classify; 1..64): each input is processed on "
     "one of them, outputs leave in input order and the worker's own thread keeps the "
     "endpoints, acknowledgements and commits, so ordering per key and partition and "
     "the delivery guarantees are those of one thread (docs/architecture.md).  Fetch "
     "ignores it.  1 = no extra thread."},
    {"worker.shutdown_timeout_ms", WW_CFG_INT, "30000",
     "On SIGTERM: the time to finish in-flight work, flush outputs, commit and close "
     "(all together, whatever the broker does).  What is not done by then is logged, "
     "its inputs stay unacknowledged (consumed again), and the worker exits 0; a "
     "watchdog ends the process 1 s later whatever it is waiting for."},
    {"worker.kafka_fetch_wake", WW_CFG_BOOL, "true",
     "Kafka input: when the worker has emptied a prefetch queue that was full "
     "(kafka.queued.max.messages.kbytes, default 8192 here), seek one partition per "
     "broker it reads from to its own next offset, asynchronously, so librdkafka 2.0.2 "
     "fetches again at once instead of at its broker thread's next wake-up, up to a "
     "second later; also after a resume.  No message is skipped or read twice.  This "
     "keeps the small prefetch at full speed (docs/benchmarks.md, \"Over Kafka: the "
     "consumer's prefetch\").  false = librdkafka's own timing: then give the prefetch "
     "about a second of input (65536)."},
    {"zmq.hwm", WW_CFG_INT, "64",
     "ZeroMQ high-water mark (messages) of every socket; a full output pauses input.  "
     "Across processes (tcp, ipc) it is all that bounds what a hop queues, on each "
     "side, and a page can weigh hundreds of kilobytes: at 1,000 a parse worker fed "
     "120 KB pages held 148 MB, at 64 it holds 27 MB at the same speed "
     "(docs/benchmarks.md, \"Memory\")."},
    {"zmq.hwm_bytes", WW_CFG_INT, "4194304",
     "Bytes an inproc ZeroMQ hop (embedded mode's stages, taps) holds: queued and not "
     "yet finished by the receiver.  A send past it waits, like a full high-water "
     "mark; one message always passes.  0 = no byte bound.  Across processes (tcp, "
     "ipc) ZeroMQ tells the sender nothing of what was taken: there the receiver's "
     "worker.max_open_bytes and zmq.hwm bound memory."},
    {"zmq.linger_ms", WW_CFG_INT, "5000",
     "How long closing a ZeroMQ socket waits to hand over queued messages."},
    {"zmq.eos_count", WW_CFG_INT, "1",
     "End-of-stream markers (one per upstream producer) a ZeroMQ input waits for "
     "before it ends."},
    {"log.level", WW_CFG_STR, "\"info\"", "error, warn, info or debug."},
    {"worker.txn_interval_ms", WW_CFG_INT, "200",
     "With kafka.transactional.id (exactly-once): how often the worker ends a batch: "
     "stops taking input, lets in-flight work finish and commits the transaction with "
     "the input offsets."},
    {"worker.stall_timeout_ms", WW_CFG_INT, "60000",
     "/readyz reports \"stalled\" when the worker loop has not turned, or inputs are in "
     "flight and none has finished, for this long."},
    {"http.listen", WW_CFG_STR, "\"127.0.0.1:9100\"",
     "Address of the worker's HTTP server (/metrics, /healthz, /readyz, status page): "
     "HOST:PORT, port 0 = any free port, \"\" = no HTTP server.  In a container use "
     "\"0.0.0.0:9100\".  Not used by embedded mode (wirewatch run)."},
    {"http.admin_token_file", WW_CFG_STR, "\"\"",
     "File holding the bearer token (one line, 16+ bytes) that POST /reload and POST "
     "/loglevel require (\"Authorization: Bearer TOKEN\").  \"\" = no token: the admin "
     "endpoints then answer only when http.listen is a loopback address (403 "
     "elsewhere).  GET endpoints never need it.  The token is never logged."},
    {"http.max_connections", WW_CFG_INT, "256",
     "Connections the HTTP server holds at once (one thread each)."},
    {"http.max_connections_per_ip", WW_CFG_INT, "32",
     "Connections from one client address at once: a client holding half-open "
     "connections cannot starve probes that come from elsewhere."},
    {"http.timeout_s", WW_CFG_INT, "10",
     "An HTTP connection idle this long (a request that has not arrived whole) is "
     "closed."},
    {NULL, 0, NULL, NULL},
};
