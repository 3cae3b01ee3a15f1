#!/usr/bin/env python3
"""Print N Document JSON lines (wirewatch.v1.Document mirror) for ops tests.

Each carries a trace with "submitted", "fetch" and "parse" stamps a little in the past
and a published time a few minutes ago, so a classify worker fills its latency,
end-to-end and freshness histograms.  Usage: ww-docs.py N [START] [PREFIX]
"""
import json
import sys
import time
from datetime import datetime, timezone

TEXTS = [
    "The central bank raised interest rates by a quarter point to fight inflation, "
    "the finance ministry said on Tuesday.",
    "An oil spill from a damaged tanker reached the harbour beaches; fishermen and "
    "environment groups fear for the wildlife.",
    "The national football team won the championship final after extra time in front "
    "of a sold-out stadium.",
]

def main():
    n = int(sys.argv[1])
    start = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    prefix = sys.argv[3] if len(sys.argv) > 3 else "doc"
    now = int(time.time() * 1e6)
    published = datetime.fromtimestamp(time.time() - 240, timezone.utc)
    for i in range(start, start + n):
        doc = {
            "id": f"{prefix}-{i}",
            "url": f"http://127.0.0.1/news/{prefix}-{i}.html",
            "canonical_url": f"http://127.0.0.1/news/{prefix}-{i}.html",
            "title": f"Story {i} <b>&amp; more</b>",
            "published": published.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "language": "en",
            "text": TEXTS[i % len(TEXTS)],
            "trace": {"trace_id": f"{i:032x}",
                      "stamps": {"submitted": now - 900000, "fetch": now - 600000,
                                 "parse": now - 20000}},
        }
        print(json.dumps(doc), flush=True)

if __name__ == "__main__":
    main()
