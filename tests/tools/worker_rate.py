#!/usr/bin/env python3
"""Inputs per second of each run in a worker's JSON log (stderr, log.level info): the
"in N" of "worker stopped" over the time since "worker started" — the worker's own
rate, without the process's start-up (classify builds its taxonomies for ~1 s first).

    tests/tools/worker_rate.py LOG [SKIP]     SKIP: leading runs not counted (warm-up)"""
import json, re, sys
from datetime import datetime

def ts(s):
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()

if len(sys.argv) < 2:
    sys.exit(__doc__)
rates, t0 = [], None
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    msg = e.get("msg", "")
    if msg.startswith("worker started"):
        t0 = ts(e["ts"])
    m = re.match(r"worker stopped: in (\d+)", msg)
    if m and t0 is not None:
        rates.append(int(m.group(1)) / max(ts(e["ts"]) - t0, 1e-6))
        t0 = None
rates = sorted(rates[int(sys.argv[2]) if len(sys.argv) > 2 else 0:])
if not rates:
    sys.exit("no run found")
print(f"runs {len(rates)}: inputs/s min {rates[0]:.0f}, median {rates[len(rates) // 2]:.0f}, max {rates[-1]:.0f}")
