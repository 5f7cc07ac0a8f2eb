#!/usr/bin/env python3
"""recovery-time.py BIN DATA_DIR PORT JOBS: starts gearman-actors -q sqlite on DATA_DIR and prints how long after the
process start the admin `status` counts at least JOBS queued jobs, and the RSS at that moment."""
import socket
import subprocess
import sys
import time

binary, data_dir, port, expect = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
start = time.time()
server = subprocess.Popen([binary, "-L", "127.0.0.1", "-p", str(port), "-q", "sqlite", "--data-dir", data_dir],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
listening, total = None, 0
try:
    while time.time() - start < 120:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
                listening = listening or time.time() - start
                s.sendall(b"status\n")
                reply = b""
                while not reply.endswith(b".\n"):
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    reply += chunk
            total = sum(int(line.split(b"\t")[1]) for line in reply.split(b"\n") if line.count(b"\t") == 3)
            if total >= expect:
                break
        except OSError:
            pass
        time.sleep(0.05)
    elapsed = time.time() - start
    with open(f"/proc/{server.pid}/status") as f:
        rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS"))
    print(f"listening_s={listening or -1:.2f} recovered_s={elapsed:.2f} jobs={total} rss_kb={rss}")
finally:
    server.kill()
    server.wait()
