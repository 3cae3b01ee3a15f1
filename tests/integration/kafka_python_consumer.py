#!/usr/bin/env python3
"""A downstream consumer in another language reads wirewatch's classified topic.

Only the .proto is shared: Python code is generated from proto/ with protoc at test
time (into a temp dir), and messages are read with confluent-kafka (pip, see
tests/requirements.txt).  The other direction is covered too: the input Documents are
written by Python and read by the C classify worker.

    Python --Document--> kafka docs topic --> wirewatch classify (C, separate process)
           --Classified--> kafka classified topic --> Python decodes every message

Env: KAFKA_BOOTSTRAP (the runner's broker), WW (bin/wirewatch), WW_ROOT.
Prints TAP lines; exit 0 = pass.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid

N = 60
ROOT = os.environ.get("WW_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
BOOT = os.environ.get("KAFKA_BOOTSTRAP")
WW = os.environ.get("WW", os.path.join(ROOT, "bin", "wirewatch"))
failures = 0


def check(name, ok, detail=""):
    global failures
    print(("ok - " if ok else "not ok - ") + name + (f"  # {detail}" if detail else ""))
    if not ok:
        failures += 1


def gen_python(tmp):
    """protoc --python_out from proto/ only: the .proto is the whole contract."""
    subprocess.run(["protoc", f"--proto_path={ROOT}/proto", f"--python_out={tmp}",
                    f"{ROOT}/proto/wirewatch/v1/wirewatch.proto"], check=True)
    sys.path.insert(0, tmp)
    from wirewatch.v1 import wirewatch_pb2  # noqa: E402  (generated just now)
    return wirewatch_pb2


TEXTS = [
    "The parliament voted on the election law after the prime minister and the "
    "opposition leader debated the government budget and the minister of finance.",
    "An oil spill in the harbour harmed wildlife; environmental groups and the coast "
    "guard cleaned the beaches while fishermen waited for the pollution to clear.",
    "The central bank raised its interest rate to fight inflation, and the stock "
    "market fell as investors sold shares of banks and technology companies.",
]


def main():
    if not BOOT:
        print("not ok - KAFKA_BOOTSTRAP is not set (run through tests/run-all.sh)")
        return 1
    from confluent_kafka import Consumer, Producer

    tmp = tempfile.mkdtemp(prefix="ww-pyconsumer-")
    pb = gen_python(tmp)
    run = uuid.uuid4().hex[:8]
    t_docs, t_cls, t_dead = f"py-docs-{run}", f"py-classified-{run}", f"py-dead-{run}"

    # 1. Python writes the classify stage's input, with wirewatch's headers and keys.
    prod = Producer({"bootstrap.servers": BOOT, "enable.idempotence": True})
    ids = []
    for i in range(N):
        d = pb.Document(id=f"py-doc-{i:04d}", url=f"https://example.org/news/{i}",
                        title=f"Story {i}", language="en", text=TEXTS[i % len(TEXTS)])
        d.trace.trace_id = uuid.uuid4().hex
        d.trace.stamps["parse"] = int(time.time() * 1e6)
        ids.append(d.id)
        prod.produce(t_docs, key=d.id, value=d.SerializeToString(),
                     headers=[("ww-schema", "wirewatch.v1.Document"),
                              ("ww-schema-version", "1"), ("ww-trace-id", d.trace.trace_id)])
    left = prod.flush(30)
    check(f"python produced {N} Documents", left == 0, f"{left} undelivered")

    # 2. The C worker, a separate process.
    log = open(os.path.join(tmp, "classify.log"), "w")
    proc = subprocess.Popen([WW, "classify", "--in", f"kafka://{BOOT}/{t_docs}?group=py-{run}",
                             "--out", f"kafka://{BOOT}/{t_cls}",
                             "--dead-letter", f"kafka://{BOOT}/{t_dead}"],
                            stdout=subprocess.DEVNULL, stderr=log)

    # 3. Python reads and decodes everything on the classified topic.
    cons = Consumer({"bootstrap.servers": BOOT, "group.id": f"py-check-{run}",
                     "auto.offset.reset": "earliest", "enable.auto.commit": False,
                     "allow.auto.create.topics": True})
    cons.subscribe([t_cls])
    got, bad_hdr, bad_key, undecodable, traced, labelled = {}, 0, 0, 0, 0, 0
    deadline = time.time() + 90
    while len(got) < N and time.time() < deadline and proc.poll() is None:
        m = cons.poll(0.5)
        if m is None or m.error():
            continue
        try:
            c = pb.Classified.FromString(m.value())
        except Exception:  # noqa: BLE001 - any decode failure is a test failure
            undecodable += 1
            continue
        h = dict(m.headers() or [])
        if h.get("ww-schema") != b"wirewatch.v1.Classified" or h.get("ww-schema-version") != b"1":
            bad_hdr += 1
        if m.key() != c.id.encode():
            bad_key += 1
        if "classify" in c.trace.stamps and "parse" in c.trace.stamps:
            traced += 1
        if len(c.labels) > 0:
            labelled += 1
        got[c.id] = got.get(c.id, 0) + 1
    cons.close()

    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(timeout=40)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = "timeout"
    log.close()

    check("every Classified message decodes with the generated code", undecodable == 0,
          f"{undecodable} undecodable")
    missing = [i for i in ids if i not in got]
    check(f"all {N} document ids arrive classified", not missing,
          f"{len(missing)} missing, e.g. {missing[:3]}")
    check("headers ww-schema=wirewatch.v1.Classified, ww-schema-version=1", bad_hdr == 0,
          f"{bad_hdr} bad")
    check("message key is the document id", bad_key == 0, f"{bad_key} bad")
    check("trace carries the parse and classify stamps", traced >= len(got) and got,
          f"{traced}/{len(got)}")
    check("documents are labelled", labelled >= len(got) // 2 and got,
          f"{labelled}/{len(got)} with labels")
    check("classify exits 0 on SIGTERM", rc == 0, f"exit {rc}")
    if failures:
        with open(os.path.join(tmp, "classify.log")) as f:
            print("# classify log tail:\n# " + "\n# ".join(f.read().splitlines()[-20:]))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
