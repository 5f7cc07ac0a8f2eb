#!/usr/bin/env python3
"""Memory per idle connection of a Gearman server on this machine.

Opens N connections to 127.0.0.1:PORT, sends one ECHO_REQ on each and reads its ECHO_RES, then leaves them idle
and reports the growth of the server's resident memory (VmRSS from /proc/PID/status) divided by N. A warm-up round
of connections that are opened, used and closed first keeps start-up costs (JIT, pools) out of the figure.

With --settle-gc (a .NET server; needs dotnet-gcdump on PATH), a full garbage collection is forced before each
reading, by taking a heap dump, so garbage does not count; the dump of the loaded server is kept and its heap is
summarised per type (dotnet-gcdump report).

    python3 bench/idle-connections.py --port 4730 --pid $(pgrep -f gearman-actors.dll) [--count 5000] [--settle-gc]

Loopback only; the connections are closed at the end.
"""
import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time

from gearman_wire import RES, packet, read_frame, rss_kib


def open_idle(port, count):
    conns = []
    for i in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conns.append(s)
    token = b"idle-connection-echo"
    for s in conns:
        s.sendall(packet(16, token))
    for s in conns:
        magic, kind, body = read_frame(s)
        if magic != RES or kind != 17 or body != token:
            raise RuntimeError(f"unexpected reply {magic!r} {kind} {body!r}")
    return conns


def settle(pid, keep=None):
    path = keep or os.path.join(tempfile.gettempdir(), f"idle-{pid}-{time.time_ns()}.gcdump")
    subprocess.run(["dotnet-gcdump", "collect", "-p", str(pid), "-o", path], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if keep is None:
        os.remove(path)
    time.sleep(1)
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=4730)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--count", type=int, default=5000)
    ap.add_argument("--warmup", type=int, default=500)
    ap.add_argument("--wait", type=float, default=5.0, help="seconds to let the server settle before each reading")
    ap.add_argument("--settle-gc", action="store_true")
    args = ap.parse_args()

    for s in open_idle(args.port, args.warmup):
        s.close()
    time.sleep(args.wait)
    if args.settle_gc:
        settle(args.pid)
    before = rss_kib(args.pid)

    conns = open_idle(args.port, args.count)
    time.sleep(args.wait)
    dump = settle(args.pid, keep=os.path.join(tempfile.gettempdir(), f"idle-{args.pid}.gcdump")) if args.settle_gc else None
    after = rss_kib(args.pid)

    per = (after - before) * 1024 / args.count
    print(f"connections={args.count} rss_before_kib={before} rss_after_kib={after} "
          f"bytes_per_connection={per:.0f} kb_per_connection={per / 1000:.1f}")
    if dump:
        report = subprocess.run(["dotnet-gcdump", "report", dump], capture_output=True, text=True).stdout
        print("\n".join(report.splitlines()[:25]))
    for s in conns:
        s.close()


if __name__ == "__main__":
    sys.exit(main())
