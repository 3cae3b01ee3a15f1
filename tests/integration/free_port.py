"""A TCP port on 127.0.0.1 that a test can bind a moment later.

Why not bind port 0 and hand that number on: the kernel takes port-0 numbers from
the ephemeral range (net.ipv4.ip_local_port_range), the same range it draws the
source port of every outgoing connection from.  Between the pick and the worker's
bind, another stage's connect (a ZeroMQ peer retrying every 100 ms, an HTTP
client) can take that number as its source port, and the bind then fails with
"Address already in use" (it did, once, in CI: zmq_three_process.sh).  A port
below the ephemeral range is never handed out that way, so only another test
choosing the same random number could take it.

Run as a script it prints one port (tests/lib/common.sh's free_port).
"""
import random
import socket


def _ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _bindable(port):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def free_port():
    low = _ephemeral_low()
    if low > 11000:
        for _ in range(200):
            port = random.randrange(10000, low)
            if _bindable(port):
                return port
    # no room below the ephemeral range: fall back to the kernel's choice
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


if __name__ == "__main__":
    print(free_port())
