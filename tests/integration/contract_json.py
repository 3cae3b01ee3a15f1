#!/usr/bin/env python3
"""The JSON mirror is protobuf's canonical proto3 JSON, read as a consumer would.

Python code is generated from proto/ with protoc (Debian's protobuf-compiler, as
tests/integration/kafka_python_consumer.py does); messages are read with the protobuf
package (tests/requirements.txt).  For every message type:

  1. wirewatch writes it: a pipeline on local files (fetch -> parse -> classify, with
     status, discovered-URL and dead-letter outputs) gives FetchRequest, Page,
     StatusEvent, Document, Classified and DeadLetter in length-delimited files; and
     Python writes one message of every type with every field set to awkward values
     (floats like 0.99, 2^64-1, U+2028, every byte value, unknown enum numbers, zeros
     that carry meaning), which `wirewatch inspect` reads back;
  2. `wirewatch inspect --type T FILE` prints each message; each line is parsed with
     json_format.Parse(..., ignore_unknown_fields=False) and must equal the binary
     message Python decodes from the same file, and the line must be exactly what
     json_format.MessageToJson(preserving_proto_field_name=True) prints (as a JSON
     value: key order and spacing aside) plus the fields the .proto marks "JSON:
     printed even when 0";
  3. the other direction: MessageToJson's own output and inspect's output with --meta
     read back through a `.jsonl` endpoint give the same message, and inspect's output
     fed to parse and classify is accepted with no dead letter.

Env: WW (bin/wirewatch), WW_ROOT.  TAP output."""
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import check, done  # noqa: E402

WW = os.environ.get("WW", "bin/wirewatch")
ROOT = os.environ.get("WW_ROOT", os.getcwd())
PROTO = os.path.join(ROOT, "proto/wirewatch/v1/wirewatch.proto")
TYPES = ["FetchRequest", "Page", "Document", "Classified", "DeadLetter", "StatusEvent",
         "Envelope", "Trace"]


def gen_python(tmp):
    """protoc --python_out from proto/ only: the .proto is the whole contract."""
    subprocess.run(["protoc", f"--proto_path={ROOT}/proto", f"--python_out={tmp}", PROTO],
                   check=True)
    sys.path.insert(0, tmp)
    from wirewatch.v1 import wirewatch_pb2  # noqa: E402  (generated just now)
    from google.protobuf import json_format  # noqa: E402
    return wirewatch_pb2, json_format


def zero_printed():
    """{message: {field: condition-field or None}} from the .proto's comments."""
    out, stack = {}, []
    for line in open(PROTO):
        m = re.match(r"\s*message (\w+) \{", line)
        if m:
            stack.append(m.group(1))
            continue
        if re.match(r"\s*(enum \w+ |oneof \w+ )\{", line):
            stack.append(None)
            continue
        if re.match(r"\s*\}", line) and stack:
            stack.pop()
            continue
        m = re.match(r"\s*[\w.]+ (\w+) = \d+;.*JSON: printed even when 0(?: if (\w+) is set)?",
                     line)
        if m and stack and stack[-1]:
            out.setdefault(stack[-1], {})[m.group(1)] = m.group(2)
    return out


def read_delimited(path, cls):
    data, msgs, i = open(path, "rb").read(), [], 0
    while i < len(data):
        n = shift = 0
        while True:
            b = data[i]
            i += 1
            n |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                break
        m = cls()
        m.ParseFromString(data[i:i + n])
        msgs.append(m)
        i += n
    return msgs


def write_delimited(path, msgs):
    with open(path, "wb") as f:
        for m in msgs:
            b = m.SerializeToString()
            n = len(b)
            while True:
                f.write(bytes([(n & 0x7F) | (0x80 if n > 0x7F else 0)]))
                n >>= 7
                if not n:
                    break
            f.write(b)


def run(*args, **kw):
    return subprocess.run([WW, *args], capture_output=True, text=True, timeout=120, **kw)


INSPECT_FAILURES = []


def inspect(type_name, path, *extra):
    p = run("inspect", "--type", type_name, *extra, "file:" + path)
    if p.returncode != 0:
        INSPECT_FAILURES.append(f"{type_name} {path}: exit {p.returncode}: {p.stderr[-300:]}")
    return p, [l for l in p.stdout.split("\n") if l]


class Contract:
    def __init__(self, pb, jf):
        self.pb, self.jf, self.zero = pb, jf, zero_printed()

    def expected(self, msg):
        """MessageToJson's canonical JSON, plus the zero-printed fields."""
        want = json.loads(self.jf.MessageToJson(msg, preserving_proto_field_name=True))
        self._add_zeros(msg, want)
        return want

    def _add_zeros(self, msg, obj):
        d = msg.DESCRIPTOR
        for name, cond in self.zero.get(d.name, {}).items():
            if name not in obj and (cond is None or getattr(msg, cond)):
                v = getattr(msg, name)
                obj[name] = str(v) if d.fields_by_name[name].cpp_type in (
                    d.fields_by_name[name].CPPTYPE_INT64,
                    d.fields_by_name[name].CPPTYPE_UINT64) else v
        for f in d.fields:
            if f.message_type is None or f.message_type.GetOptions().map_entry:
                continue
            if f.label == f.LABEL_REPEATED:
                for sub, o in zip(getattr(msg, f.name), obj.get(f.name, [])):
                    self._add_zeros(sub, o)
            elif msg.HasField(f.name):
                self._add_zeros(getattr(msg, f.name), obj[f.name])

    def compare(self, what, type_name, msgs, lines):
        """Every line against its binary message: json_format.Parse equality and the
        exact canonical JSON value."""
        cls = getattr(self.pb, type_name)
        check(len(lines) == len(msgs) and msgs,
              f"{what}: inspect prints one line per message ({len(msgs)})",
              f"{len(lines)} lines")
        parsed_ok = exact_ok = 0
        bad_parse = bad_json = ""
        for m, line in zip(msgs, lines):
            try:
                got = self.jf.Parse(line, cls(), ignore_unknown_fields=False)
                if same(got, m):
                    parsed_ok += 1
                else:
                    bad_parse = bad_parse or f"{got} != {m}"[:400]
            except Exception as e:  # noqa: BLE001 - reported as the test's detail
                bad_parse = bad_parse or f"Parse: {e}: {line[:300]}"
            want = self.expected(m)
            if json.loads(line) == want:
                exact_ok += 1
            else:
                bad_json = bad_json or diff(json.loads(line), want)
        check(parsed_ok == len(msgs),
              f"{what}: json_format.Parse of every line equals the binary message",
              bad_parse)
        check(exact_ok == len(msgs),
              f"{what}: every line is the canonical proto3 JSON (MessageToJson) + zeros",
              bad_json)


def same(a, b):
    """Message equality where NaN equals NaN (protobuf's == says NaN != NaN)."""
    return a.SerializeToString(deterministic=True) == b.SerializeToString(deterministic=True)


def diff(got, want, path=""):
    if isinstance(got, dict) and isinstance(want, dict):
        for k in sorted(set(got) | set(want)):
            if got.get(k, "<absent>") != want.get(k, "<absent>"):
                return diff(got.get(k, "<absent>"), want.get(k, "<absent>"), f"{path}.{k}")
    if isinstance(got, list) and isinstance(want, list) and len(got) == len(want):
        for i, (g, w) in enumerate(zip(got, want)):
            if g != w:
                return diff(g, w, f"{path}[{i}]")
    return f"at {path or '.'}: inspect {json.dumps(got)[:200]} != canonical {json.dumps(want)[:200]}"


def awkward_messages(pb):
    """One message of every type with every field set, and edge values."""
    text = "Line\u2028and paragraph\u2029 separators, \"quotes\" \\ \t\x01 caf\u00e9 \U0001F600"
    tr = pb.Trace(trace_id="t-\u2028", stamps={"submitted": 0, "fetch": -1,
                                               "parse": 2**63 - 1, "classify": -2**63})
    fr = pb.FetchRequest(url="https://example.org/a?b=c", origin=pb.FetchRequest.SITEMAP,
                         depth=4294967295, not_before_us=-5, request_id="r",
                         parent_url="https://example.org/", trace=tr)
    page = pb.Page(request_id="r", requested_url="u", final_url="v", redirects=["a", text],
                   status=-1, headers=[pb.Header(name="Content-Type", value="text/html")],
                   body=bytes(range(256)), content_type="text/html", charset_hint="utf-8",
                   truncated=True, source=pb.Page.WARC, fetched_at_us=1796383781308071,
                   connect_us=1, first_byte_us=2, total_us=3, warc_file="x.warc.gz",
                   warc_offset=0, payload_digest="sha1:X", warc_date="2026-01-01T00:00:00Z",
                   trace=pb.Trace(), http_version="2")
    page_unknown_enum = pb.Page(final_url="w", source=7, body=b"\x00")
    doc = pb.Document(id="d", url="u", canonical_url="c", title=text, byline="b",
                      published="2026-11-27T07:15:00Z", language="en",
                      language_confidence=0.99, site="s", text=text,
                      links=[pb.Link(url="l", text="t")], simhash=2**64 - 1,
                      near_duplicate_of="n", extractor_version="e", request_id="r",
                      trace=tr, description="\u2029")
    spans = [pb.Span(start=0, end=0, text=""), pb.Span(start=0, end=4, text="Line"),
             pb.Span(start=4294967295, end=4294967295)]
    labels = [pb.Label(taxonomy="iptc-mediatopic", taxonomy_version="1", code="medtop:1",
                       name="n", score=s, evidence=spans, source="rules")
              # not FLT_MAX: its shortest form, 3.4028235e+38, is a little above it, and
              # json_format.Parse (protobuf 4.25) refuses its own MessageToJson output;
              # not -0.0: protobuf-c's packer drops it (== 0) when wirewatch reads JSON
              for s in (0.99, 28.671116, 1e-7, 3.4e38, 1.0, 0.1, 16777217.0,
                        1.17549435e-38, 1e-45, -123456.79)]
    labels.append(pb.Label(code="nan", score=float("nan")))
    labels.append(pb.Label(code="inf", score=float("inf")))
    labels.append(pb.Label(code="-inf", score=float("-inf")))
    cls = pb.Classified(id="d", url="u", canonical_url="c", title="t", byline="b",
                        published="p", language="zh", site="s", text=text, labels=labels,
                        entities=[pb.Entity(type="country", name="Sweden", id="iso3166:SE",
                                            spans=spans)],
                        taxonomy_version="tv", model_version="mv", simhash=1,
                        near_duplicate_of="n", trace=tr, request_id="r")
    dl = pb.DeadLetter(stage="parse", reason="malformed", detail=text, source_topic="pages",
                       source_partition=0, source_offset=0, original=b"\xff\xfe\x00",
                       schema="wirewatch.v1.Page", at_us=1, request_id="r")
    dl_none = pb.DeadLetter(stage="parse", source_partition=-1, source_offset=-1)
    st = pb.StatusEvent(stage="fetch", url="u", request_id="r", status="fetched",
                        http_status=200, detail=text, limits_hit=["a", "b"], at_us=1,
                        bytes=2**40, duration_us=0, document_id="d")
    env = pb.Envelope(schema="wirewatch.v1.Page", schema_version=1, key=b"k\x00\xff",
                      trace_id="t", end_of_stream=True)
    return {"FetchRequest": [fr, pb.FetchRequest()],
            "Page": [page, page_unknown_enum, pb.Page(warc_offset=0)],
            "Document": [doc, pb.Document(language_confidence=0.5)],
            "Classified": [cls], "DeadLetter": [dl, dl_none], "StatusEvent": [st],
            "Envelope": [env], "Trace": [tr, pb.Trace()]}


def pipeline(tmp):
    """fetch -> parse -> classify on local files; returns {type: [delimited files]}."""
    fx = os.path.join(ROOT, "tests/fixtures")
    urls = [f"file://{fx}/samples/harbour-spill.html", f"file://{fx}/samples/rate-decision.html",
            f"file://{fx}/warc/cc.warc.gz", f"file://{fx}/feeds/feed-with-sitemap-namespace.xml",
            f"file://{tmp}/missing.html"]
    open(f"{tmp}/urls.txt", "w").write("\n".join(urls) + "\n")
    f = lambda n: f"{tmp}/{n}.pb"  # noqa: E731
    p1 = run("fetch", "--in", f"file:{tmp}/urls.txt", "--out", "file:" + f("pages"),
             "--status", "file:" + f("fetch-status"), "--discovered", "file:" + f("discovered"),
             "--set", "fetch.allow_file=true")
    # a Page that is not one (bytes of another type) for parse's dead letters
    with open(f("pages"), "ab") as out:
        out.write(bytes([3, 0xFF, 0xFF, 0xFF]))
    p2 = run("parse", "--in", "file:" + f("pages"), "--out", "file:" + f("docs"),
             "--status", "file:" + f("parse-status"), "--dead-letter", "file:" + f("dead"))
    p3 = run("classify", "--in", "file:" + f("docs"), "--out", "file:" + f("classified"),
             "--status", "file:" + f("classify-status"))
    ok = all(p.returncode == 0 for p in (p1, p2, p3))
    check(ok, "fetch, parse and classify run on local files",
          " | ".join(p.stderr[-400:] for p in (p1, p2, p3)))
    status = [f(n) for n in ("fetch-status", "parse-status", "classify-status")
              if os.path.exists(f(n))]
    return {"FetchRequest": [f("discovered")], "Page": [f("pages")], "Document": [f("docs")],
            "Classified": [f("classified")], "DeadLetter": [f("dead")],
            "StatusEvent": status}


def check_pipeline_types(c, tmp):
    files = pipeline(tmp)
    for t, paths in files.items():
        msgs, lines = [], []
        for path in paths:
            if t == "Page":  # the appended junk record is not a Page
                raw = open(path, "rb").read()
                open(path + ".ok", "wb").write(raw[:-4])
                path = path + ".ok"
            msgs += read_delimited(path, getattr(c.pb, t))
            lines += inspect(t, path)[1]
        c.compare(f"pipeline {t}", t, msgs, lines)
    return files


def check_awkward(c, tmp):
    for t, msgs in awkward_messages(c.pb).items():
        path = f"{tmp}/awkward-{t}.pb"
        write_delimited(path, msgs)
        p, lines = inspect(t, path)
        c.compare(f"every field of {t}", t, msgs, lines)
        raw = p.stdout
        if t == "Document":
            check("\u2028" not in raw and "\u2029" not in raw and "\\u2028" in raw
                  and "\\u2029" in raw, "U+2028/U+2029 are escaped, not raw")
            check('"language_confidence":0.99,' in raw, "float32 0.99 prints as 0.99",
                  raw[:300])
            check(len(raw.splitlines()) == len(msgs), "str.splitlines() sees one line each")
        if t == "Classified":
            check('"evidence":[{"start":0,"end":0},{"start":0,"end":4,' in raw,
                  "spans at byte 0 print their start", raw[:300])
        if t == "DeadLetter":
            check('"source_partition":0,"source_offset":"0",' in raw,
                  "Kafka partition 0, offset 0 are printed", raw[:300])
        # MessageToJson's own output (compact) read back through a .jsonl endpoint
        canon = f"{tmp}/canon-{t}.jsonl"
        with open(canon, "w") as out:
            for m in msgs:
                out.write(json.dumps(json.loads(c.jf.MessageToJson(
                    m, preserving_proto_field_name=True)), ensure_ascii=False) + "\n")
        p2, back = inspect(t, canon)
        c.compare(f"MessageToJson's {t} read back by wirewatch", t, msgs, back)
        # inspect's own output with --meta read back
        meta_path = f"{tmp}/meta-{t}.jsonl"
        p3, meta_lines = inspect(t, path, "--meta")
        open(meta_path, "w").write("\n".join(meta_lines) + "\n")
        check(all('"@meta":{' in l for l in meta_lines), f"{t}: --meta adds \"@meta\"")
        p4, back = inspect(t, meta_path)
        c.compare(f"inspect --meta output of {t} read back", t, msgs, back)


def check_fed_back(c, tmp, files):
    """inspect's lines are input: Pages to parse, Documents to classify, no dead letter."""
    for t, stage, src, extra in (("Page", "parse", files["Page"][0] + ".ok", ()),
                                 ("Document", "classify", files["Document"][0], ()),
                                 ("Document", "classify", files["Document"][0], ("--meta",))):
        n = len(read_delimited(src, getattr(c.pb, t)))
        _, lines = inspect(t, src, *extra)
        jl = f"{tmp}/fed-{stage}{''.join(extra)}.jsonl"
        open(jl, "w").write("\n".join(lines) + "\n")
        out, dead = f"{tmp}/fed-{stage}.out.jsonl", f"{tmp}/fed-{stage}.dead.jsonl"
        for x in (out, dead):
            if os.path.exists(x):
                os.unlink(x)
        p = run(stage, "--in", "file:" + jl, "--out", "file:" + out, "--dead-letter",
                "file:" + dead)
        nd = sum(1 for _ in open(dead)) if os.path.exists(dead) else 0
        no = sum(1 for _ in open(out)) if os.path.exists(out) else 0
        check(p.returncode == 0 and nd == 0 and no == n,
              f"inspect {' '.join(extra)} of {n} {t}s fed to {stage} as .jsonl: "
              f"{no} out, {nd} dead letters",
              (open(dead).read()[:400] if nd else p.stderr[-400:]))


def check_strict_reader(tmp):
    """What does not fit is refused, naming the field (and "@meta" only at the top)."""
    cases = [('{"labels":[{"@meta":{}}]}', "@meta"), ('{"simhash":"-1"}', "simhash"),
             ('{"labels":[{"evidence":[{"start":4294967296}]}]}', "start"),
             ('{"labels":[{"score":1e39}]}', "score"), ('{"labels":[{"score":"x"}]}', "score"),
             ('{"id":"a","_key":"k"}', "_key")]
    for line, field in cases:
        path = f"{tmp}/bad.jsonl"
        open(path, "w").write(line + "\n")
        p, out = inspect("Classified", path)
        check(not out and field in p.stderr, f"reader refuses {line}", p.stderr[-300:])


def main():
    with tempfile.TemporaryDirectory(prefix="ww-contract-") as tmp:
        pb, jf = gen_python(tmp)
        c = Contract(pb, jf)
        check(set(c.zero) == {"Span", "DeadLetter", "Page"},
              "the .proto marks the zero-printed fields", str(c.zero))
        files = check_pipeline_types(c, tmp)
        check_awkward(c, tmp)
        check_fed_back(c, tmp, files)
        check_strict_reader(tmp)
        check(not INSPECT_FAILURES, "every inspect run exits 0", " | ".join(INSPECT_FAILURES))
    return done()


if __name__ == "__main__":
    sys.exit(main())
