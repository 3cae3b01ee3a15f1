#!/usr/bin/env python3
"""JSON lines of one wirewatch message type -> length-delimited protobuf, the format
of a `file:NAME.pb` endpoint (benchmarks feed workers protobuf, as Kafka and ZeroMQ
do, so that JSON decoding on the worker's thread is not what they measure):

    tests/tools/jsonl_to_ldp.py Document IN.jsonl OUT.pb

Python classes are generated from proto/ with protoc into a temporary directory;
needs protoc and the python protobuf package (tests/.venv has it)."""
import importlib, os, subprocess, sys, tempfile

def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    kind, src, dst = sys.argv[1:]
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    gen = tempfile.mkdtemp(prefix="ww-pb-")
    subprocess.run(["protoc", "-I" + os.path.join(root, "proto"), "--python_out=" + gen,
                    os.path.join(root, "proto", "wirewatch", "v1", "wirewatch.proto")], check=True)
    sys.path.insert(0, gen)
    pb = importlib.import_module("wirewatch.v1.wirewatch_pb2")
    from google.protobuf import json_format
    from google.protobuf.internal.encoder import _VarintBytes
    cls = getattr(pb, kind)
    n = 0
    with open(src) as inp, open(dst, "wb") as out:
        for line in inp:
            if line.strip():
                b = json_format.Parse(line, cls(), ignore_unknown_fields=True).SerializeToString()
                out.write(_VarintBytes(len(b)) + b)
                n += 1
    print(f"{n} {kind} messages -> {dst}", file=sys.stderr)

main()
