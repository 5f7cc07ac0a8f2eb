#!/usr/bin/env python3
"""many-functions.py SERVER [FUNCTIONS] [GRABS]

One worker with many functions, over raw TCP, against a fresh server on 127.0.0.1 (-q builtin):

  register  the worker sends FUNCTIONS CAN_DO packets in one write, then ECHO_REQ; the time until ECHO_RES is
            the time the server took to take them all in.
  grab_idle GRAB_JOB with no job anywhere (NO_JOB), median of GRABS.
  grab_job  a client queues one background job for the function registered first (the last one gearmand 1.1.20's
            order tries), then GRAB_JOB until JOB_ASSIGN, then WORK_COMPLETE; median of GRABS.
  status    `status` on the admin protocol, until its closing ".", median of 3; lines counts the functions listed.
  rss       the server's VmRSS before registering and after, and the bytes per function between them.

SERVER is `gearmand` or the path of the gearman-actors executable. Bounded: one worker, one client, a few hundred
round-trips; the server is killed at the end.
"""
import os
import socket
import statistics
import subprocess
import sys
import time

from gearman_wire import packet, read_frame, rss_kib

CAN_DO, SUBMIT_JOB_BG, JOB_CREATED, GRAB_JOB, NO_JOB, JOB_ASSIGN = 1, 18, 8, 9, 10, 11
WORK_COMPLETE, ECHO_REQ, ECHO_RES, NOOP = 13, 16, 17, 6


def read_packet(s):
    _, ptype, body = read_frame(s)
    return ptype, body


def expect(s, *types):
    while True:
        ptype, body = read_packet(s)
        if ptype == NOOP:
            continue
        if ptype not in types:
            raise RuntimeError(f"expected {types}, got {ptype} {body[:80]!r}")
        return ptype, body


def wait_port(port):
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not listen")


def connect(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def status(port):
    s = connect(port)
    t0 = time.perf_counter()
    s.sendall(b"status\n")
    data = b""
    while not (data == b".\n" or data.endswith(b"\n.\n")):
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        data += chunk
    took = time.perf_counter() - t0
    s.close()
    return took, data.count(b"\n") - 1


def main():
    server = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 50000
    grabs = int(sys.argv[3]) if len(sys.argv) > 3 else 50
    port = 4990 + os.getpid() % 500
    cmd = (["gearmand", "-L", "127.0.0.1", "-p", str(port), "-q", "builtin", "-l", "/dev/null"]
           if server == "gearmand" else [server, "-L", "127.0.0.1", "-p", str(port), "-q", "builtin", "-l", "/dev/null"])
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        time.sleep(0.5)
        base = rss_kib(proc.pid)
        names = [b"fn_%06d" % i for i in range(n)]

        worker = connect(port)
        t0 = time.perf_counter()
        worker.sendall(b"".join(packet(CAN_DO, f) for f in names) + packet(ECHO_REQ, b"registered"))
        expect(worker, ECHO_RES)
        register = time.perf_counter() - t0

        idle = []
        for _ in range(grabs):
            t0 = time.perf_counter()
            worker.sendall(packet(GRAB_JOB))
            expect(worker, NO_JOB)
            idle.append(time.perf_counter() - t0)

        client = connect(port)
        with_job = []
        for i in range(grabs):
            client.sendall(packet(SUBMIT_JOB_BG, names[0], b"u%d" % i, b"payload"))
            expect(client, JOB_CREATED)
            t0 = time.perf_counter()
            worker.sendall(packet(GRAB_JOB))
            _, body = expect(worker, JOB_ASSIGN)
            with_job.append(time.perf_counter() - t0)
            handle, function, _ = body.split(b"\0", 2)
            assert function == names[0], function
            worker.sendall(packet(WORK_COMPLETE, handle, b""))

        # Let completions settle before the listing and the memory reading.
        worker.sendall(packet(ECHO_REQ, b"done"))
        expect(worker, ECHO_RES)
        status(port)
        timings = [status(port) for _ in range(3)]
        rss = rss_kib(proc.pid)
        ms = lambda xs: statistics.median(xs) * 1000
        print(f"server={os.path.basename(server)} functions={n} register_s={register:.3f} "
              f"grab_idle_ms={ms(idle):.2f} grab_job_ms={ms(with_job):.2f} "
              f"status_ms={ms([t for t, _ in timings]):.1f} status_lines={timings[0][1]} "
              f"base_kb={base} rss_kb={rss} bytes_per_function={(rss - base) * 1024 // n}")
        worker.close()
        client.close()
    finally:
        proc.kill()
        proc.wait()


if __name__ == "__main__":
    main()
