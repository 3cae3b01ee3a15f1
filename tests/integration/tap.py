"""TAP output shared by the Python integration tests (a helper, not a test).

check() prints one numbered "ok"/"not ok" line (with the extra detail only on
failure); done() prints the plan and returns the process exit status."""
import sys

n = failures = 0


def check(ok, name, extra=""):
    global n, failures
    n += 1
    print("%s %d - %s%s" % ("ok" if ok else "not ok", n, name,
                            (" # " + extra) if not ok and extra else ""))
    sys.stdout.flush()
    failures += 0 if ok else 1


def done():
    print("1..%d" % n)
    return 1 if failures else 0
