#!/usr/bin/env python3
"""gen_heavy_pages.py N DIR LIST [PREFIX]: write N generated news pages of ~120 KB into
DIR and their names, one per line (each after PREFIX, e.g. "file://"), into DIR/LIST.

~20 KB of article text and ~100 KB of what pages carry around it (a script, navigation):
the extractor drops the rest, but queues carry it all — the input of the memory-bound
test (tests/integration/run_memory_bound.sh) and of the Kafka prefetch benchmark
(tests/bench/bench-kafka-memory.sh).  Deterministic (seeded)."""
import os
import random
import sys

n, d, listname = int(sys.argv[1]), sys.argv[2], sys.argv[3]
prefix = sys.argv[4] if len(sys.argv) > 4 else ""
os.makedirs(d, exist_ok=True)
rnd = random.Random(17)
words = ["harbour", "council", "budget", "minister", "river", "storm", "market", "school",
         "rail", "energy", "court", "festival", "hospital", "bridge", "election", "farm"]
with open(os.path.join(d, listname), "w") as lst:
    for i in range(n):
        paras = "".join("<p>" + " ".join(rnd.choice(words) for _ in range(120)) +
                        f" Report {i}.</p>" for _ in range(24))
        script = "<script>var cfg = '" + "x" * 100000 + "';</script>"
        nav = "<nav>" + "".join(f"<a href='/s/{k}'>Section {k}</a>" for k in range(40)) + "</nav>"
        path = os.path.join(d, f"p{i:05d}.html")
        with open(path, "w") as f:
            f.write(f"<html><head><title>Report {i}</title>{script}</head><body>{nav}"
                    f"<article><h1>Report {i}</h1>{paras}</article></body></html>\n")
        lst.write(prefix + path + "\n")
