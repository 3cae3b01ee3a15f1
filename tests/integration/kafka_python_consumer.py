#!/usr/bin/env python3
"""A downstream consumer in another language reads wirewatch's classified topic.

Only the .proto is shared: Python code is generated from proto/ with protoc at test
time (into a temp dir), and messages are read with confluent-kafka (pip, see
tests/requirements.txt).  The other direction is covered too: the input Documents are
written by Python and read by the C classify worker.

    Python --Document--> kafka docs topic --> wirewatch classify (C, separate process)
           --Classified--> kafka classified topic --> Python decodes every message

Then the two promises of docs/messages.md a consumer relies on, through fetch, parse
and classify as separate processes over the broker:

    Python --FetchRequest{url only}--> fetch --Page--> parse --Document--> classify
           (+ one undecodable Page, two pages with the same article)
    parse --status--> topic, classify --status--> topic --> Python decodes them

  * a trace id is assigned where a message enters without one (fetch's intake): every
    Page, Document and Classified carries it in Trace.trace_id and in the ww-trace-id
    header, the same id for one URL all the way;
  * the runtime emits one StatusEvent per input on every stage's --status output,
    keyed by the input's key: ok, duplicate (parse's near duplicates), dead-lettered.

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


def consume_all(Consumer, topics, want, timeout, procs):
    """Read topics from the start until want(msgs) or timeout: {topic: [message]}."""
    cons = Consumer({"bootstrap.servers": BOOT, "group.id": f"py-check-{uuid.uuid4().hex[:8]}",
                     "auto.offset.reset": "earliest", "enable.auto.commit": False,
                     "allow.auto.create.topics": True})
    cons.subscribe(topics)
    got = {tp: [] for tp in topics}
    deadline = time.time() + timeout
    while time.time() < deadline and not want(got):
        if any(p.poll() is not None for p in procs):
            break
        m = cons.poll(0.5)
        if m is None or m.error():
            continue
        got[m.topic()].append(m)
    cons.close()
    return got


def unique_article(i):
    """An article whose words no other article shares (no near duplicates by chance)."""
    words = [uuid.uuid5(uuid.NAMESPACE_URL, f"w{i}-{k}").hex[:9] for k in range(120)]
    return " ".join(words[:60]) + ". " + " ".join(words[60:]) + "."


def stop_all(procs):
    for p in procs:
        p.send_signal(signal.SIGTERM)
    rcs = []
    for p in procs:
        try:
            rcs.append(p.wait(timeout=40))
        except subprocess.TimeoutExpired:
            p.kill()
            rcs.append("timeout")
    return rcs


def check_trace_and_status(pb, tmp):
    """Trace ids assigned at intake; one runtime StatusEvent per input (see top)."""
    from confluent_kafka import Consumer, Producer
    run = uuid.uuid4().hex[:8]
    tp = {k: f"py2-{k}-{run}" for k in ("req", "pages", "docs", "cls", "st-parse",
                                          "st-classify", "dead-parse")}
    pages_dir = os.path.join(tmp, "pages")
    os.makedirs(pages_dir)
    n_unique, urls = 12, []
    for i in range(n_unique + 1):
        # the last page repeats the first one's article under another URL: a duplicate
        text = unique_article(0 if i == n_unique else i)
        path = os.path.join(pages_dir, f"p{i:03d}.html")
        with open(path, "w") as f:
            f.write(f"<html><head><title>Report {i}</title></head><body><article>"
                    f"<h1>Report {i}</h1><p>{text}</p></article></body></html>\n")
        urls.append("file://" + path)

    logs = {}

    def start(name, args):
        logs[name] = open(os.path.join(tmp, f"{name}.log"), "w")
        return subprocess.Popen([WW, name] + args + ["--set", "http.listen="],
                                stdout=subprocess.DEVNULL, stderr=logs[name])

    k = lambda t, g="": f"kafka://{BOOT}/{tp[t]}" + (f"?group={g}-{run}" if g else "")
    procs = [
        start("fetch", ["--in", k("req", "f"), "--out", k("pages"),
                        "--set", "fetch.allow_file=true"]),
        start("parse", ["--in", k("pages", "p"), "--out", k("docs"), "--status",
                        k("st-parse"), "--dead-letter", k("dead-parse")]),
        start("classify", ["--in", k("docs", "c"), "--out", k("cls"), "--status",
                           k("st-classify")]),
    ]
    prod = Producer({"bootstrap.servers": BOOT, "enable.idempotence": True})
    # As a producer that knows only the .proto would: a url, no trace, no headers.
    # One at a time, in order, so that the repeated article comes after its original.
    for u in urls:
        prod.produce(tp["req"], key=u.encode(), value=pb.FetchRequest(url=u).SerializeToString())
        prod.flush(10)
        time.sleep(0.3)
    # and one Page that does not decode: parse dead-letters it
    prod.produce(tp["pages"], key=b"poison-page", value=b"\xff\xff\xff not protobuf")
    left = prod.flush(30)
    check("python produced FetchRequests with only a url, and one undecodable Page",
          left == 0, f"{left} undelivered")

    n_in_parse = len(urls) + 1
    want = lambda g: (len(g[tp["cls"]]) >= len(urls) and len(g[tp["st-parse"]]) >= n_in_parse
                      and len(g[tp["st-classify"]]) >= len(urls))
    got = consume_all(Consumer, [tp["pages"], tp["docs"], tp["cls"], tp["st-parse"],
                                 tp["st-classify"]], want, 120, procs)
    time.sleep(2)  # anything beyond one event per input would arrive now: read again
    got = consume_all(Consumer, list(got), lambda g: False, 4, [])
    rcs = stop_all(procs)

    def hdr(m, name):
        return dict(m.headers() or []).get(name, b"").decode()

    # (a) trace ids: assigned once at fetch's intake, the same on every hop of a URL
    trace_of_url, bad = {}, []
    for name, cls in (("pages", pb.Page), ("docs", pb.Document), ("cls", pb.Classified)):
        for m in got[tp[name]]:
            if m.key() == b"poison-page":
                continue  # ours, on the pages topic: not a wirewatch message
            msg = cls.FromString(m.value())
            url = msg.final_url if name == "pages" else msg.url
            tid, htid = msg.trace.trace_id, hdr(m, "ww-trace-id")
            if not tid or tid != htid or trace_of_url.setdefault(url, tid) != tid:
                bad.append(f"{name} {url}: trace {tid!r} header {htid!r}")
    check("every Page, Document and Classified has a trace id, also as ww-trace-id",
          not bad and len(trace_of_url) == len(urls), f"{len(trace_of_url)} urls; {bad[:3]}")
    check("trace ids are unique per URL", len(set(trace_of_url.values())) == len(urls))

    # (b) status events: one per input, keyed by the input's key, with the outcome
    for stage, n_in in (("parse", n_in_parse), ("classify", len(urls))):
        evs = []
        for m in got[tp["st-" + stage]]:
            e = pb.StatusEvent.FromString(m.value())
            evs.append((m.key().decode() if m.key() else "", e, hdr(m, "ww-trace-id")))
        check(f"{stage}: one StatusEvent per input ({n_in})", len(evs) == n_in,
              f"{len(evs)} events")
        keys = [k for k, _, _ in evs]
        check(f"{stage}: status events are keyed by the input's key, each once",
              len(set(keys)) == len(keys) and all(keys), f"keys {keys[:4]}")
        check(f"{stage}: StatusEvent.stage names the stage",
              all(e.stage == stage for _, e, _ in evs))
        traced = [t for k, e, t in evs if e.url in trace_of_url]
        check(f"{stage}: status events carry the input's trace id (ww-trace-id)",
              all(trace_of_url[e.url] == t for k, e, t in evs if e.url in trace_of_url)
              and len(traced) == len(urls), f"{len(traced)} traced")
        by = {}
        for _, e, _ in evs:
            by[e.status] = by.get(e.status, 0) + 1
        if stage == "parse":
            check("parse: ok for each unique article, duplicate for the repeat, "
                  "dead-lettered for the poison", by == {"ok": n_unique, "duplicate": 1,
                                                         "dead-lettered": 1}, f"{by}")
            dup = [e for _, e, _ in evs if e.status == "duplicate"]
            check("parse: the duplicate's event names the repeated URL and its original",
                  dup and dup[0].url == urls[-1] and dup[0].detail, f"{dup[:1]}")
            dead = [(k, e) for k, e, _ in evs if e.status == "dead-lettered"]
            check("parse: the dead letter's event is keyed by the poison's key, with a reason",
                  dead and dead[0][0] == "poison-page" and dead[0][1].detail, f"{dead[:1]}")
        else:
            check("classify: ok for every document", by == {"ok": len(urls)}, f"{by}")
    check("fetch, parse and classify exit 0 on SIGTERM", rcs == [0, 0, 0], f"{rcs}")
    for f in logs.values():
        f.close()
    if failures:
        for name in logs:
            with open(os.path.join(tmp, f"{name}.log")) as f:
                print(f"# {name} log tail:\n# " + "\n# ".join(f.read().splitlines()[-8:]))


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
    check_trace_and_status(pb, tmp)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
