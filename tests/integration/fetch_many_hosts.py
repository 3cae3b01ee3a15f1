#!/usr/bin/env python3
"""3,000 distinct hosts (loopback addresses 127.1.x.y, nothing listening): the host
table grows, every robots.txt is unreachable so every page is robots-denied with that
reason (RFC 9309: unreachable = disallow all), each URL gets exactly one status, and
it all ends quickly.  Env: WW.  TAP output."""
import json
import os
import subprocess
import sys
import tempfile
import time

WW = os.environ.get("WW", "bin/wirewatch")


def main():
    urls = ["http://127.%d.%d.%d:9/page" % (1 + i // 62500, (i // 250) % 250, 2 + i % 250)
            for i in range(3000)]
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        uf, st = os.path.join(tmp, "u.txt"), os.path.join(tmp, "s.jsonl")
        open(uf, "w").write("\n".join(urls) + "\n")
        t0 = time.monotonic()
        p = subprocess.run([WW, "fetch", "--in", "file:" + uf, "--out", "file:" + os.path.join(tmp, "p.jsonl"),
                            "--status", "file:" + st, "--allow-private",
                            "--set", "fetch.max_in_flight=512"],
                           capture_output=True, text=True, timeout=120)
        took = time.monotonic() - t0
        print(("ok" if p.returncode == 0 else "not ok") + " 1 - worker exits 0")
        evs = [json.loads(l) for l in open(st)] if os.path.exists(st) else []
        by = {}
        for e in evs:
            by.setdefault(e["url"], []).append(e)
        one = len(evs) == len(urls) and all(len(by.get(u, [])) == 1 for u in urls)
        print(("ok" if one else "not ok") + " 2 - one status per URL (%d of %d)" % (len(evs), len(urls)))
        denied = all(e["status"] == "robots-denied" and "unreachable" in e.get("detail", "")
                     for e in evs)
        print(("ok" if denied and evs else "not ok") + " 3 - unreachable robots.txt -> robots-denied")
        print(("ok" if took < 60 else "not ok") + " 4 - done in %.1f s" % took)
        ok = p.returncode == 0 and one and denied and took < 60
    print("1..4")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
