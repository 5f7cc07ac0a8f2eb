#!/usr/bin/env python3
"""remote-traffic.py [--bin PATH] [--gearbench PATH] [--jobs N] [--runs SPEC ...] [--logdir DIR]

Counts the broker messages (and their bytes) that one job sends between the nodes of a cluster. Per run: starts three
nodes a, b, c of the server (-q builtin), probes until a new queue lands on a known node, runs one
gearbench scenario with its clients on one of the other nodes and its workers on the third, stops the nodes with SIGTERM and adds up the
`event=remote-traffic` lines they log at shutdown (counted by BrokerSerializer: what crossed nodes, per message
type). Prints the counts per job, per sending node and message type, and checks that the queue really was where it was meant to be.

A run SPEC is `name:scenario:gearbench options`, e.g. `roundtrip:roundtrip:--clients 2 --inflight 16 --workers 2`.
The default runs: idle (the cluster, the placement probes and the shutdown, no gearbench: what every run carries
besides its jobs), roundtrip serial and loaded, bg-submit and drain. Standard library only.
"""
import argparse
import os
import re
import signal
import socket
import struct
import subprocess
import tempfile
import time
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
HOST = "127.0.0.1"
NODES = ["a", "b", "c"]
DEFAULT_RUNS = [
    "idle:-:",
    "roundtrip-serial:roundtrip:--clients 1 --inflight 1 --workers 1",
    "roundtrip:roundtrip:--clients 2 --inflight 16 --workers 2",
    "bg-submit:bg-submit:--clients 2 --inflight 64 --workers 2",
    "drain:drain:--clients 2 --inflight 64 --workers 2",
]

ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
ap.add_argument("--bin", default=os.path.join(ROOT, "src/Gearman.Actors.Server/bin/Release/net10.0/gearman-actors"))
ap.add_argument("--gearbench", default="", help="gearbench binary (default: build ../shared/bench/gearbench.c into a temp dir)")
ap.add_argument("--jobs", type=int, default=3000)
ap.add_argument("--runs", nargs="*", default=DEFAULT_RUNS)
ap.add_argument("--logdir", default="")
ap.add_argument("--server-args", default="", help="more arguments for every node, e.g. \"--config tuned.conf\"")
opt = ap.parse_args()

work = opt.logdir or tempfile.mkdtemp(prefix="remote-traffic.")
os.makedirs(work, exist_ok=True)
gearbench = opt.gearbench
if not gearbench:
    gearbench = os.path.join(work, "gearbench")
    subprocess.check_call(["gcc", "-O2", "-pthread", "-o", gearbench, os.path.join(ROOT, "..", "shared", "bench", "gearbench.c")])


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def packet(kind, *args):
    body = b"\0".join(a.encode() if isinstance(a, str) else a for a in args)
    return b"\0REQ" + struct.pack(">II", kind, len(body)) + body


def read_packet(sock):
    head = b""
    while len(head) < 12:
        chunk = sock.recv(12 - len(head))
        if not chunk:
            raise OSError("connection closed")
        head += chunk
    _, kind, size = struct.unpack(">4sII", head)
    body = b""
    while len(body) < size:
        body += sock.recv(size - len(body))
    return kind, body


def admin(port, line):
    with socket.create_connection((HOST, port), timeout=30) as s:
        s.sendall(line.encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            data += s.recv(4096)
        return data.decode()


def probe(port, function):
    """Submits a background job for FUNCTION through PORT, cancels it; returns the node whose queue took it."""
    with socket.create_connection((HOST, port), timeout=5) as s:
        s.sendall(packet(18, function, "", "probe"))  # SUBMIT_JOB_BG
        kind, body = read_packet(s)
        if kind != 8:  # JOB_CREATED
            raise RuntimeError("probe: packet %d %r" % (kind, body))
    handle = body.decode()
    if admin(port, "cancel job " + handle).strip() != "OK":
        raise RuntimeError("probe: cancel of %s failed" % handle)
    return handle.split(":")[1]


def start_cluster(run_dir):
    ports = [free_port() for _ in NODES]
    cports = [free_port() for _ in NODES]
    seeds = "%s:%d,%s:%d" % (HOST, cports[0], HOST, cports[1])
    procs = []
    for i, name in enumerate(NODES):
        log = os.path.join(run_dir, "node-%s.log" % name)
        procs.append(subprocess.Popen(
            [opt.bin, "-L", HOST, "-p", str(ports[i]), "--cluster-port", str(cports[i]), "--seed-nodes", seeds,
             "--node-name", name, "-q", "builtin", "-l", log] + opt.server_args.split(),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
    deadline = time.time() + 120
    for port in ports:
        while True:
            try:
                admin(port, "version")
                break
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError("node on %d never answered" % port)
                time.sleep(0.5)
    return procs, ports


def place_next_queue(ports):
    """Probes new function names until one's queue lands on a node; the run uses that function, so its queue is known
    to be there already (a queue's node is its shard's rendezvous home among the members). Returns (home, client,
    worker) node indexes, the function and the number of probes."""
    # Until every node is Up, homes are computed among fewer members, and a shard placed then moves to its home at the
    # coordinator's next rebalance (every 10 s); a cluster that has just come up is given time for both.
    time.sleep(25)
    for n in range(30):
        function = "rt-probe-%d-%d" % (os.getpid(), n)
        for attempt in range(10):  # the shard region may still be looking for its coordinator
            try:
                home = NODES.index(probe(ports[0], function))
                break
            except (OSError, RuntimeError):
                time.sleep(1)
        else:
            raise RuntimeError("probes never got an answer")
        others = [i for i in range(3) if i != home]
        return home, others[0], others[1], function, n + 1
    raise RuntimeError("no probe landed")


def wakeups(procs):
    """Each node's context switches so far, voluntary ones (a thread went to sleep, to be woken) over all its threads."""
    out = []
    for p in procs:
        total = 0
        for task in os.listdir("/proc/%d/task" % p.pid):
            try:
                with open("/proc/%d/task/%s/status" % (p.pid, task)) as fh:
                    for line in fh:
                        if line.startswith("voluntary_ctxt_switches:"):
                            total += int(line.split()[1])
            except OSError:
                pass  # a thread that ended meanwhile
        out.append(total)
    return out


def cpu_seconds(procs):
    """Each node's user + system CPU so far, in seconds, from /proc/PID/stat."""
    ticks = os.sysconf("SC_CLK_TCK")
    out = []
    for p in procs:
        with open("/proc/%d/stat" % p.pid) as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        out.append((int(fields[11]) + int(fields[12])) / ticks)
    return out


def stop(procs):
    for p in procs:
        os.killpg(p.pid, signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def traffic(run_dir):
    """{node: {field: value}} from each node's event=remote-traffic line."""
    out = {}
    for name in NODES:
        fields = {}
        with open(os.path.join(run_dir, "node-%s.log" % name)) as fh:
            for line in fh:
                m = re.search(r'msg="event=remote-traffic ([^"]*)"', line)
                if m:
                    fields = {k: int(v) for k, v in (f.split("=") for f in m.group(1).split())}
        out[name] = fields
    return out


for spec in opt.runs:
    name, scenario, options = spec.split(":", 2)
    run_dir = os.path.join(work, name)
    os.makedirs(run_dir, exist_ok=True)
    for attempt in range(3):
        procs, ports = start_cluster(run_dir)
        try:
            home, client, worker, function, probes = place_next_queue(ports)
            break
        except RuntimeError as e:
            # Seen on a loaded machine: the shard coordinator's first distributed-data update times out and it never
            # hands out a shard home. That is a start that failed, not a figure; start the cluster again.
            print("  cluster start %d: %s; starting again" % (attempt + 1, e), flush=True)
            stop(procs)
            for name_ in NODES:
                os.rename(os.path.join(run_dir, "node-%s.log" % name_), os.path.join(run_dir, "node-%s.failed-start-%d.log" % (name_, attempt + 1)))
    else:
        raise SystemExit("the cluster never served a probe")
    try:
        line = ""
        cpu, woken = [0.0, 0.0, 0.0], [0, 0, 0]
        if scenario != "-":
            cmd = [gearbench, scenario, "--port", str(ports[client]), "--worker-port", str(ports[worker]), "--threads", "1",
                   "--jobs", str(opt.jobs), "--func", function, "--max-seconds", "300"] + options.split()
            before, woken = cpu_seconds(procs), wakeups(procs)
            out = subprocess.run(cmd, capture_output=True, text=True)
            cpu = [b - a for a, b in zip(before, cpu_seconds(procs))]
            woken = [b - a for a, b in zip(woken, wakeups(procs))]
            line = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else out.stderr.strip()
    finally:
        stop(procs)
    t = traffic(run_dir)
    jobs = opt.jobs if scenario != "-" else 1
    # Where the run's queue was: the node that received the client's submits (none if it was the client's own node).
    landed = next((n for n in NODES if t[n].get("received.S", 0) >= jobs), NODES[client]) if scenario != "-" else "-"
    print("run=%s scenario=%s jobs=%d client=%s worker=%s queue_on=%s (meant %s) probes=%d options=%r" % (
        name, scenario, jobs, NODES[client], NODES[worker], landed, NODES[home], probes, options))
    role = {NODES[client]: "client-node", NODES[worker]: "worker-node", NODES[home]: "queue-node"}
    if line:
        print("  gearbench: " + line)
        # Includes the nodes' idle cost (heartbeats, gossip) over the run and gearbench's own start and checks.
        print("  server cpu per job: %s, total %.0f us" % (
            " ".join("%s=%.0fus" % (NODES[i], cpu[i] * 1e6 / jobs) for i in range(3)), sum(cpu) * 1e6 / jobs))
        print("  server threads put to sleep per job (voluntary context switches): %s, total %.1f" % (
            " ".join("%s=%.1f" % (NODES[i], woken[i] / jobs) for i in range(3)), sum(woken) / jobs))
    for node in NODES:
        f = t[node]
        print("  node=%s (%s) sent=%d sent.bytes=%d received=%d received.bytes=%d" % (
            node, role[node], f.get("sent", 0), f.get("sent.bytes", 0), f.get("received", 0), f.get("received.bytes", 0)))
        per = sorted((k[5:], v) for k, v in f.items() if k.startswith("sent.") and not k.endswith(".bytes") and k != "sent.envelopes")
        for manifest, count in per:
            size = f.get("sent.%s.bytes" % manifest, 0)
            print("    %-11s sends %-4s %8.3f per job  %7.1f bytes per job  (%d msgs, %d bytes, %.0f bytes each)" % (
                role[node], manifest, count / jobs, size / jobs, count, size, size / count))
    total = sum(t[n].get("sent", 0) for n in NODES)
    total_bytes = sum(t[n].get("sent.bytes", 0) for n in NODES)
    envelopes = sum(t[n].get("sent.envelopes", 0) for n in NODES)
    envelope_bytes = sum(t[n].get("sent.envelopes.bytes", 0) for n in NODES)
    print("  total sent=%.3f per job, %.1f bytes per job; Akka.Remote messages %.3f per job, %.1f bytes per job" % (
        total / jobs, total_bytes / jobs, envelopes / jobs, envelope_bytes / jobs), flush=True)
print("logs in " + work)
