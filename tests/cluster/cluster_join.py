#!/usr/bin/env python3
"""Cluster join test for Gearman.Actors: a third node joins a two-node cluster that holds queued jobs.

Nodes a and b form a cluster; background jobs are queued on many functions (their queues spread over a and b);
then node c starts and joins, and the coordinator rebalances shards onto it, handing queues off with their jobs.
Checks: c takes over some queues (new jobs get H:c: handles), every acknowledged job is then handed out
exactly once (none lost, none duplicated) with its payload, and a foreground client that waited across the
rebalance gets its result. Prints `N passed, N failed`; every process it starts is killed on exit.
"""
import argparse
import os
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
HOST = "127.0.0.1"
ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
ap.add_argument("--bin", default=os.path.join(ROOT, "src/Gearman.Actors.Server/bin/Release/net10.0/gearman-actors"))
ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
ap.add_argument("--logdir", default=os.path.join(ROOT, "TestResults", "cluster-join"))
ap.add_argument("--functions", type=int, default=40)
ap.add_argument("--jobs", type=int, default=25, help="background jobs per function")
opt = ap.parse_args()
sys.path.insert(0, os.path.join(opt.shared, "conformance", "lib"))
import gearproto as g  # noqa: E402

T0 = time.monotonic()
procs, results = [], []


def log(msg):
    print("[%6.1f s] %s" % (time.monotonic() - T0, msg), flush=True)


def check(name, ok, detail=""):
    results.append(ok)
    print("%s %s%s" % ("PASS" if ok else "FAIL", name, (" (%s)" % detail) if detail else ""), flush=True)
    return ok


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind((HOST, 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def start(name, port, cport, seeds):
    out = open(os.path.join(opt.logdir, "node-%s.out" % name), "wb")
    argv = [opt.bin, "-L", HOST, "-p", str(port), "--cluster-port", str(cport), "--seed-nodes", seeds,
            "--node-name", name, "-l", os.path.join(opt.logdir, "node-%s.log" % name)]
    p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    procs.append(p)
    return p


def wait_until(what, pred, limit):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            v = pred()
            if v:
                return v
        except (OSError, g.GearError):
            pass
        time.sleep(0.3)
    raise TimeoutError(what)


def main():
    os.makedirs(opt.logdir, exist_ok=True)
    pa, pb, pc, ca, cb, cc = free_ports(6)
    seeds = "%s:%d,%s:%d" % (HOST, ca, HOST, cb)
    start("a", pa, ca, seeds)
    start("b", pb, cb, seeds)
    run = "%d" % os.getpid()

    def probe_node(port_submit, port_work):
        # one round trip through the cluster; returns the node that allocated the handle
        f = "cj_probe_%s_%d" % (run, int(time.monotonic() * 1000))
        w, c = g.Conn(HOST, port_work, 5), g.Conn(HOST, port_submit, 5)
        try:
            w.can_do(f)
            h = c.submit(f, b"p")
            p = w.grab()
            if p.cmd != g.JOB_ASSIGN:
                return None
            w.complete(h, b"r")
            c.wait_result(h, 5)
            return h.split(b":")[1].decode()
        finally:
            w.close()
            c.close()

    wait_until("a and b form a cluster", lambda: probe_node(pa, pb), 60)
    log("a and b serve jobs")

    funcs = ["cj_%s_%d" % (run, i) for i in range(opt.functions)]
    acked = {}
    c = g.Conn(HOST, pa, 10)
    for f in funcs:
        for k in range(opt.jobs):
            data = ("%s|%d" % (f, k)).encode()
            acked[c.submit(f, data, cmd=g.SUBMIT_JOB_BG)] = data
    c.close()
    fg = g.Conn(HOST, pb, 60)
    fg_handle = fg.submit(funcs[-1], b"foreground-across-the-join")
    log("%d background jobs acknowledged on %d functions, one foreground job waiting" % (len(acked), len(funcs)))

    start("c", pc, cc, seeds)
    t_join = time.monotonic()

    def c_hosts_queues():
        cn = g.Conn(HOST, pa, 5)
        try:
            return any(cn.submit("cj_new_%s_%d" % (run, i), b"x", cmd=g.SUBMIT_JOB_BG).startswith(b"H:c:") for i in range(60))
        finally:
            cn.close()
    try:
        wait_until("node c takes queues", c_hosts_queues, 90)
        check("node c joined and hosts queues", True, "%.1f s after it started" % (time.monotonic() - t_join))
    except TimeoutError:
        check("node c joined and hosts queues", False, "no H:c: handle within 90 s")
    # Drain only once the rebalance has settled: a job a worker holds while its queue moves goes back to the
    # queue and may run twice, which is not what this test is about. Settled = the node that hosts each of 20
    # sample functions stays the same over two rebalance intervals (10 s each).
    samples = ["cj_sample_%s_%d" % (run, i) for i in range(20)]

    def homes():
        cn = g.Conn(HOST, pa, 5)
        try:
            return tuple(cn.submit(f, b"s", cmd=g.SUBMIT_JOB_BG).split(b":")[1] for f in samples)
        finally:
            cn.close()
    last, since = homes(), time.monotonic()
    settle_deadline = time.monotonic() + 120
    while time.monotonic() - since < 20 and time.monotonic() < settle_deadline:
        now = wait_until("sample homes", homes, 10)
        if now != last:
            last, since = now, time.monotonic()
    log("rebalance settled: sample queues on %s" % sorted(set(h.decode() for h in last)))

    w = g.Conn(HOST, pc, 5)
    for f in funcs:
        w.can_do(f)
    seen, bad = {}, []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        p = w.grab(timeout=6)
        if p.cmd != g.JOB_ASSIGN:
            if len([h for h in acked if h in seen]) == len(acked):
                break
            continue
        h = p.args[0]
        seen[h] = seen.get(h, 0) + 1
        if h in acked and acked[h] != p.args[2]:
            bad.append(h)
        w.complete(h, b"done:" + p.args[2])
    missing = [h for h in acked if h not in seen]
    twice = [h for h, n in seen.items() if n > 1]
    check("every acknowledged background job is handed out after the join", not missing,
          "%d of %d missing" % (len(missing), len(acked)) if missing else "%d jobs" % len(acked))
    check("no job is handed out twice", not twice, "%r" % twice[:5])
    check("payloads intact", not bad, "%r" % bad[:5])
    try:
        r, _ = fg.wait_result(fg_handle, 30)
        check("the foreground client waiting across the join gets its result", r.cmd == g.WORK_COMPLETE, g.cname(r.cmd))
    except g.GearError as e:
        check("the foreground client waiting across the join gets its result", False, str(e))


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # a failure, never a hang
        check("unexpected error", False, "%s: %s" % (type(e).__name__, e))
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                pass
    failed = results.count(False)
    print("%d passed, %d failed" % (len(results) - failed, failed))
    sys.exit(1 if failed or not results else 0)
