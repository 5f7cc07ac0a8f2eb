#!/usr/bin/env python3
"""Process-level cluster failure test for Gearman.Actors (python3 standard library only).

    python3 tests/cluster/cluster_kill.py [--bin PATH] [--shared DIR] [--logdir DIR] [--victim a|b|c]

1. Starts three server processes (nodes a, b, c) on 127.0.0.1 with their own Gearman ports, cluster
   ports and node names; waits until each accepts TCP and answers `status`, then until the cluster is
   formed: a job submitted through node a to a function whose queue lives on node c completes via a
   worker on node b (bounded retry loop, no fixed sleeps).
2. Runs ../shared/conformance/run.sh against node c; every regular case must pass.
3. Mid-load kill: worker and client threads on the two survivors, functions picked by probing job
   handles (H:<node>:<n>) so that some queues live on the victim and some on the survivors; SIGKILL
   of the victim while clients submit foreground jobs. Every job must end with WORK_COMPLETE (right
   result) or WORK_FAIL within 60 s of the kill, jobs queued on survivors must all complete, every
   GRAB_JOB of the long-lived workers must be answered, a function whose queue was on the victim must
   serve a new job within 20 s, both through fresh connections and through the load's clients and
   workers (failover times are printed), sleeping workers of such functions must be woken for a new
   job after the failover, and `status` must still answer on the survivors.
4. The libgearman `gearman` CLI, given a server list (GEARMAN_SERVER=host:port,host:port; its -h takes
   one host), submits a job through the survivor after the kill. Whether libgearman fails over from a
   dead first server is printed as a note (libgearman 1.1.20 does not: GEARMAN_LOST_CONNECTION).

Prints `PASS name` / `FAIL name: reason` per check and a last line `N passed, N failed`; exits 0 only
when nothing failed. Every process it starts runs in its own session and is SIGKILLed on every exit
path (normal end, exception, SIGTERM/SIGINT, the --budget watchdog). Logs go to --logdir.
"""
import argparse
import atexit
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
HOST = "127.0.0.1"

ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
ap.add_argument("--bin", default=os.path.join(ROOT, "src/Gearman.Actors.Server/bin/Release/net10.0/gearman-actors"))
ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
ap.add_argument("--logdir", default=os.path.join(ROOT, "TestResults", "cluster"))
ap.add_argument("--victim", default="c", choices=["a", "b", "c"], help="node to SIGKILL (default c)")
ap.add_argument("--conformance-node", default="c", choices=["a", "b", "c"])
ap.add_argument("--skip-conformance", action="store_true")
ap.add_argument("--clients", type=int, default=3, help="client threads per surviving node")
ap.add_argument("--workers", type=int, default=2, help="worker threads per surviving node")
ap.add_argument("--failover-limit", type=float, default=20.0, help="seconds from SIGKILL to a new job served")
ap.add_argument("--hang-limit", type=float, default=60.0, help="seconds after SIGKILL every job must have ended")
ap.add_argument("--budget", type=float, default=240.0, help="hard limit for the whole run (watchdog)")
ap.add_argument("--postgres", default="", help="run the nodes on this shared PostgreSQL store (-q postgres) and check "
                "that background jobs queued on the victim survive its death")
ap.add_argument("--durable-jobs", type=int, default=300, help="background jobs queued on the victim (with --postgres)")
opt = ap.parse_args()

sys.path.insert(0, os.path.join(opt.shared, "conformance", "lib"))
import gearproto as g  # noqa: E402  (../shared/conformance/lib)

GRAB_SLACK = 2.0  # seconds a grab's NO_JOB may come after the grab-timeout on a loaded 2-core machine

T0 = time.monotonic()
RUN = "%d_%04x" % (os.getpid(), random.getrandbits(16))


def log(msg):
    print("[%6.1f s] %s" % (time.monotonic() - T0, msg), flush=True)


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------
results = []
results_lock = threading.RLock()   # re-entrant: the signal handler runs on the main thread
summary_printed = False


def check(name, ok, detail=""):
    with results_lock:
        results.append((name, bool(ok)))
    if ok:
        print("PASS %s%s" % (name, (" (%s)" % detail) if detail else ""), flush=True)
    else:
        print("FAIL %s: %s" % (name, detail or "failed"), flush=True)
    return bool(ok)


def print_summary():
    global summary_printed
    with results_lock:
        if summary_printed:
            return
        summary_printed = True
        passed = sum(1 for _, ok in results if ok)
        failed = len(results) - passed
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return failed


# ---------------------------------------------------------------------------------------------
# Processes: every child runs in its own session (process group == its pid) and is SIGKILLed here.
# ---------------------------------------------------------------------------------------------
children = []           # subprocess.Popen objects we started
children_lock = threading.RLock()


def spawn(argv, **kw):
    p = subprocess.Popen(argv, start_new_session=True, stdin=subprocess.DEVNULL, **kw)
    with children_lock:
        children.append(p)
    return p


def kill_tree(p):
    """SIGKILL the child's process group (only our own children: each has its own session)."""
    if p.poll() is not None:
        return
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        try:
            p.kill()
        except OSError:
            pass
    try:
        p.wait(5)
    except subprocess.TimeoutExpired:
        pass


def kill_all():
    with children_lock:
        procs = list(children)
    for p in procs:
        kill_tree(p)


atexit.register(kill_all)


def on_signal(signum, _frame):
    print("FAIL interrupted: signal %d" % signum, flush=True)
    with results_lock:
        results.append(("interrupted", False))
    kill_all()
    print_summary()
    os._exit(128 + signum)


for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(s, on_signal)


def watchdog():
    time.sleep(opt.budget)
    print("FAIL watchdog: the run exceeded its %.0f s budget; killing everything" % opt.budget, flush=True)
    with results_lock:
        results.append(("watchdog", False))
    kill_all()
    print_summary()
    os._exit(3)


threading.Thread(target=watchdog, daemon=True).start()


def free_ports(n):
    socks, ports = [], []
    try:
        while len(ports) < n:
            s = socket.socket()
            s.bind((HOST, 0))
            socks.append(s)
            if s.getsockname()[1] not in ports:
                ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


class Node:
    def __init__(self, name, port, cport):
        self.name, self.port, self.cport = name, port, cport
        self.log = os.path.join(opt.logdir, "node-%s.log" % name)
        self.out = os.path.join(opt.logdir, "node-%s.out" % name)
        self.pidfile = os.path.join(opt.logdir, "node-%s.pid" % name)
        self.proc = None

    def start(self, seeds):
        for f in (self.log, self.out, self.pidfile):
            if os.path.exists(f):
                os.remove(f)
        argv = [opt.bin, "-L", HOST, "-p", str(self.port), "--cluster-port", str(self.cport),
                "--seed-nodes", seeds, "--node-name", self.name, "-P", self.pidfile, "-l", self.log]
        if opt.postgres:
            argv += ["--postgres", opt.postgres]
        log("start node %s: %s" % (self.name, " ".join(argv)))
        with open(self.out, "wb") as out:
            self.proc = spawn(argv, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def tail(self, n=25):
        lines = []
        for f in (self.out, self.log):
            try:
                with open(f, "r", errors="replace") as fh:
                    lines += ["  %s| %s" % (os.path.basename(f), l.rstrip("\n")) for l in fh.readlines()[-n:]]
            except OSError:
                pass
        return lines


# ---------------------------------------------------------------------------------------------
# A small framed connection (gearproto.Conn drops a partial body when a read times out; the load
# threads read in short slices, so they need a reader that keeps partial packets).
# ---------------------------------------------------------------------------------------------
class Closed(Exception):
    pass


class Wire:
    def __init__(self, port, timeout=5.0):
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()

    def send(self, cmd, *args):
        try:
            self.sock.sendall(g.pack(cmd, *args))
        except OSError as e:
            raise Closed("send: %s" % e)

    def recv(self, timeout):
        """The next packet, or None when nothing complete arrived within timeout."""
        deadline = time.monotonic() + timeout
        while True:
            if len(self.buf) >= 12:
                magic = bytes(self.buf[:4])
                cmd, size = struct.unpack(">II", self.buf[4:12])
                if magic != g.RES:
                    raise Closed("bad magic %r" % magic)
                if len(self.buf) >= 12 + size:
                    body = bytes(self.buf[12:12 + size])
                    del self.buf[:12 + size]
                    return g.Packet(magic, cmd, body)
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                d = self.sock.recv(1 << 16)
            except socket.timeout:
                return None
            except OSError as e:
                raise Closed("recv: %s" % e)
            if not d:
                raise Closed("server closed the connection")
            self.buf += d

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def handle_node(handle):
    """H:<node>:<n> -> node."""
    s = handle.decode("latin-1")
    parts = s.split(":")
    return ":".join(parts[1:-1]) if len(parts) >= 3 else "?"


def result_for(func, data):
    return b"R|" + func + b"|" + data


def queue_node(func, client_port, worker_port, timeout=10.0):
    """Runs one job for func (submitted on client_port, worked on worker_port); returns the node
    named in its handle. Raises on any deviation. The worker registers only once the job exists: a
    queue follows its workers, so a worker registered first could draw the queue to its own node
    before the submit arrives, and the handle would name where the worker is, not where the queue was."""
    w = Wire(worker_port)
    c = Wire(client_port)
    try:
        data = b"probe-" + func
        c.send(g.SUBMIT_JOB, func, b"", data)
        deadline = time.monotonic() + timeout
        p = c.recv(timeout)
        if p is None or p.cmd != g.JOB_CREATED:
            raise g.GearError("no JOB_CREATED for %s (got %r)" % (func.decode(), p))
        handle = p.args[0]
        w.send(g.CAN_DO, func)
        # worker: GRAB until the job comes (PRE_SLEEP/NOOP in between), bounded by the deadline
        while True:
            w.send(g.GRAB_JOB)
            while True:
                q = w.recv(max(0.01, deadline - time.monotonic()))
                if q is None:
                    raise g.GearError("worker got no job for %s" % func.decode())
                if q.cmd != g.NOOP:
                    break
            if q.cmd == g.JOB_ASSIGN:
                break
            if q.cmd != g.NO_JOB:
                raise g.GearError("unexpected reply to GRAB_JOB: %r" % q)
            w.send(g.PRE_SLEEP)
            q = w.recv(max(0.01, deadline - time.monotonic()))
            if q is None:
                raise g.GearError("worker was not woken for %s" % func.decode())
        if q.args[0] != handle:
            raise g.GearError("worker got %r, client %r" % (q.args[0], handle))
        w.send(g.WORK_COMPLETE, handle, result_for(func, data))
        p = c.recv(max(0.01, deadline - time.monotonic()))
        if p is None or p.cmd != g.WORK_COMPLETE or p.args[1] != result_for(func, data):
            raise g.GearError("client got %r instead of WORK_COMPLETE" % p)
        return handle_node(handle)
    finally:
        w.close()
        c.close()


def status_table(port, timeout=5.0):
    return g.status_table(HOST, port, timeout)


# ---------------------------------------------------------------------------------------------
# Load: workers and clients on the survivors
# ---------------------------------------------------------------------------------------------
class Job:
    __slots__ = ("func", "data", "via", "t_submit", "t_created", "handle", "t_end", "outcome", "detail")

    def __init__(self, func, data, via):
        self.func, self.data, self.via = func, data, via
        self.t_submit = time.monotonic()
        self.t_created = self.handle = self.t_end = None
        self.outcome = None      # complete, bad-result, fail, exception, error, hang, closed
        self.detail = ""


class Load:
    def __init__(self, funcs, survivors):
        self.funcs = funcs
        self.survivors = survivors
        self.stop_submit = threading.Event()
        self.stop_workers = threading.Event()
        self.t_kill = None
        self.jobs = []
        self.lock = threading.Lock()
        self.worker_errors = []
        self.worker_jobs = 0
        self.worker_state = {}   # worker id -> (what it waits for, since when)
        self.threads = []

    def hang_deadline(self, job):
        # every job, whenever submitted, must have ended hang_limit seconds after the kill
        return (self.t_kill if self.t_kill is not None else job.t_submit) + opt.hang_limit

    # -- worker -------------------------------------------------------------------------------
    def worker(self, node, wid):
        rnd = random.Random(wid)
        try:
            w = Wire(node.port)
        except OSError as e:
            with self.lock:
                self.worker_errors.append("%s: connect: %s" % (wid, e))
            return
        try:
            for f in self.funcs:
                w.send(g.CAN_DO, f)
            while not self.stop_workers.is_set():
                w.send(g.GRAB_JOB)
                self.worker_state[wid] = ("the reply to GRAB_JOB", time.monotonic())
                p = None
                while not self.stop_workers.is_set():
                    p = w.recv(0.5)
                    if p is not None and p.cmd != g.NOOP:
                        break
                    p = None
                if p is None:
                    break
                if p.cmd == g.NO_JOB:
                    w.send(g.PRE_SLEEP)
                    self.worker_state[wid] = ("NOOP after PRE_SLEEP", time.monotonic())
                    # A libgearman worker sleeps until NOOP; so does this one (no polling).
                    while not self.stop_workers.is_set():
                        q = w.recv(0.5)
                        if q is not None and q.cmd == g.NOOP:
                            break
                    continue
                if p.cmd != g.JOB_ASSIGN:
                    with self.lock:
                        self.worker_errors.append("%s: unexpected %r" % (wid, p))
                    continue
                handle, func, data = p.args
                self.worker_state[wid] = ("nothing (working)", time.monotonic())
                time.sleep(rnd.uniform(0.002, 0.012))
                w.send(g.WORK_COMPLETE, handle, result_for(func, data))
                with self.lock:
                    self.worker_jobs += 1
        except Closed as e:
            if not self.stop_workers.is_set():
                with self.lock:
                    self.worker_errors.append("%s on node %s: %s" % (wid, node.name, e))
        finally:
            w.close()

    # -- client -------------------------------------------------------------------------------
    def client(self, node, cid, offset):
        seq = 0
        conn = None
        while not self.stop_submit.is_set():
            if conn is None:
                try:
                    conn = Wire(node.port)
                except OSError as e:
                    job = Job(b"", b"", node.name)
                    job.outcome, job.detail, job.t_end = "closed", "connect: %s" % e, time.monotonic()
                    with self.lock:
                        self.jobs.append(job)
                    time.sleep(0.2)
                    continue
            func = self.funcs[(seq + offset) % len(self.funcs)]
            data = ("%s-%d-%s" % (cid, seq, RUN)).encode()
            seq += 1
            job = Job(func, data, node.name)
            with self.lock:
                self.jobs.append(job)
            try:
                conn.send(g.SUBMIT_JOB, func, b"", data)
                self.wait_job(conn, job)
            except Closed as e:
                job.outcome, job.detail, job.t_end = "closed", str(e), time.monotonic()
            if job.outcome in ("closed", "hang", "error"):
                conn.close()
                conn = None
        if conn is not None:
            conn.close()

    def wait_job(self, conn, job):
        while True:
            deadline = self.hang_deadline(job)
            now = time.monotonic()
            if now >= deadline:
                job.outcome, job.t_end = "hang", now
                job.detail = "no JOB_CREATED" if job.handle is None else "no result"
                return
            p = conn.recv(min(0.5, deadline - now))
            if p is None:
                continue
            if job.handle is None:
                if p.cmd == g.JOB_CREATED:
                    job.handle, job.t_created = p.args[0], time.monotonic()
                    continue
                if p.cmd == g.ERROR and p.args and p.args[0] == b"QUEUE_ERROR":
                    # A submit lost in flight to the dying node is refused once its answer is overdue: the client
                    # is told, and no job exists for it to wait on. That is a clean failure.
                    job.outcome, job.detail, job.t_end = "refused", repr(p), time.monotonic()
                    return
                if p.cmd == g.ERROR:
                    job.outcome, job.detail, job.t_end = "error", repr(p), time.monotonic()
                    return
                job.outcome, job.detail, job.t_end = "error", "before JOB_CREATED: %r" % p, time.monotonic()
                return
            if p.args and p.args[0] != job.handle:
                job.outcome, job.detail, job.t_end = "error", "packet for another handle: %r" % p, time.monotonic()
                return
            if p.cmd == g.WORK_COMPLETE:
                job.t_end = time.monotonic()
                if p.args[1] == result_for(job.func, job.data):
                    job.outcome = "complete"
                else:
                    job.outcome, job.detail = "bad-result", repr(p.args[1][:80])
                return
            if p.cmd == g.WORK_FAIL:
                job.outcome, job.t_end = "fail", time.monotonic()
                return
            if p.cmd == g.WORK_EXCEPTION:
                job.outcome, job.detail, job.t_end = "exception", repr(p), time.monotonic()
                return
            if p.cmd in (g.WORK_STATUS, g.WORK_DATA, g.WORK_WARNING):
                continue
            job.outcome, job.detail, job.t_end = "error", "unexpected %r" % p, time.monotonic()
            return

    def start(self, n_workers, n_clients):
        for node in self.survivors:
            for i in range(n_workers):
                t = threading.Thread(target=self.worker, args=(node, "w%s%d" % (node.name, i)), daemon=True)
                t.start()
                self.threads.append(("worker", t))
        k = 0
        for node in self.survivors:
            for i in range(n_clients):
                t = threading.Thread(target=self.client, args=(node, "c%s%d" % (node.name, i), k), daemon=True)
                t.start()
                self.threads.append(("client", t))
                k += 1

    def snapshot(self):
        with self.lock:
            return list(self.jobs)

    def join_clients(self, deadline):
        for kind, t in self.threads:
            if kind == "client":
                t.join(max(0.0, deadline - time.monotonic()))
        return all(not t.is_alive() for kind, t in self.threads if kind == "client")

    def stop(self):
        self.stop_submit.set()
        self.stop_workers.set()
        for _, t in self.threads:
            t.join(3)


# ---------------------------------------------------------------------------------------------
# Phases
# ---------------------------------------------------------------------------------------------
def wait_tcp(node, limit):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if not node.alive():
            return "exited with code %s" % node.proc.returncode
        try:
            socket.create_connection((HOST, node.port), timeout=1).close()
            return None
        except OSError:
            time.sleep(0.1)
    return "no TCP listener on %s:%d within %.0f s" % (HOST, node.port, limit)


def wait_status(node, limit):
    deadline = time.monotonic() + limit
    last = None
    while time.monotonic() < deadline:
        if not node.alive():
            return "exited with code %s" % node.proc.returncode
        try:
            status_table(node.port, timeout=3)
            return None
        except (g.GearError, OSError) as e:
            last = e
            time.sleep(0.2)
    return "`status` did not answer within %.0f s (last: %s)" % (limit, last)


def wait_cluster(nodes, limit):
    """A job through a to a function queued on c completes via a worker on b."""
    a, b, c = nodes["a"], nodes["b"], nodes["c"]
    deadline = time.monotonic() + limit
    attempts, seen, last = 0, {}, None
    while time.monotonic() < deadline:
        attempts += 1
        func = ("ck_form_%s_%d" % (RUN, attempts)).encode()
        try:
            where = queue_node(func, a.port, b.port, timeout=min(8.0, max(1.0, deadline - time.monotonic())))
            seen[where] = seen.get(where, 0) + 1
            if where == c.name:
                return None, attempts, seen
        except (g.GearError, OSError, Closed) as e:
            last = e
            time.sleep(0.3)
        for n in nodes.values():
            if not n.alive():
                return "node %s exited with code %s" % (n.name, n.proc.returncode), attempts, seen
    return "no probe job a->queue on c->worker on b completed within %.0f s (handles seen: %r, last error: %s)" % (
        limit, seen, last), attempts, seen


def run_conformance(node):
    run_sh = os.path.join(opt.shared, "conformance", "run.sh")
    if not os.path.exists(run_sh):
        return check("conformance on node %s" % node.name, False, "%s not found (pass --shared)" % run_sh)
    try:
        expected = len([l for l in subprocess.run(["sh", run_sh, HOST, str(node.port), "--list"], capture_output=True,
                                                  text=True, timeout=30).stdout.splitlines() if l.strip()])
    except subprocess.TimeoutExpired:
        expected = 0
    env = dict(os.environ, GEARCONF_BUDGET=os.environ.get("GEARCONF_BUDGET", "110"))
    out_path = os.path.join(opt.logdir, "conformance.out")
    log("conformance: %s %s %d (%d cases)" % (run_sh, HOST, node.port, expected))
    t = time.monotonic()
    with open(out_path, "w") as out:
        p = spawn(["sh", run_sh, HOST, str(node.port)], stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            rc = p.wait(150)
        except subprocess.TimeoutExpired:
            kill_tree(p)
            rc = "timeout (150 s)"
    took = time.monotonic() - t
    with open(out_path, errors="replace") as fh:
        lines = fh.read().splitlines()
    fails = [l for l in lines if l.startswith("FAIL ")]
    for l in fails:
        print("  " + l)
    summ = [l for l in lines if l.strip() and l.split()[0].isdigit() and " passed, " in l]
    passed = int(summ[-1].split()[0]) if summ else 0
    ok = rc == 0 and not fails and expected > 0 and passed == expected
    return check("conformance on node %s" % node.name, ok,
                 "%s in %.1f s, exit %s" % (summ[-1] if summ else "no summary line", took, rc)
                 if ok else "%s (expected %d passed), exit %s, %.1f s; see %s" % (
                     summ[-1] if summ else "no summary line", expected, rc, took, out_path))


def pick_functions(survivors, victim, want_victim=5, want_survivor=2, max_probes=80, kind="load"):
    """Function names whose queues live on the victim / on the survivors, found by the node in a job's handle."""
    on_victim, on_survivor, seen = [], [], {}
    for i in range(max_probes):
        func = ("ck_%s_%s_%d" % (kind, RUN, i)).encode()
        via, work = survivors[i % 2], survivors[(i + 1) % 2]
        where = queue_node(func, via.port, work.port)
        seen[func.decode()] = where
        if where == victim.name and len(on_victim) < want_victim:
            on_victim.append(func)
        elif where in [s.name for s in survivors] and len(on_survivor) < want_survivor:
            on_survivor.append(func)
        if len(on_victim) >= want_victim and len(on_survivor) >= want_survivor:
            break
    return on_victim, on_survivor, seen


def durable_submit(survivors, victim):
    """With a shared store: queue background jobs on two functions whose queues live on the victim; returns
    {handle: (func, data)} of every job that got JOB_CREATED."""
    funcs, _, _ = pick_functions(survivors, victim, want_victim=2, want_survivor=0, kind="durable")
    acked = {}
    c = g.Conn(HOST, survivors[0].port, 10)
    try:
        for i in range(opt.durable_jobs):
            func = funcs[i % len(funcs)]
            data = b"durable-%d-" % i + func
            acked[c.submit(func.decode(), data, cmd=g.SUBMIT_JOB_BG)] = (func, data)
    finally:
        c.close()
    log("durable: %d background jobs acknowledged on %s (queues on %s)" % (len(acked), [f.decode() for f in funcs], victim.name))
    return funcs, acked


def durable_drain(survivors, funcs, acked, limit=60.0):
    """After the kill: a worker on a survivor drains the victim's functions; every acknowledged job must come back."""
    w = g.Conn(HOST, survivors[1].port, 5)
    seen = {}
    deadline = time.monotonic() + limit
    try:
        for f in funcs:
            w.can_do(f.decode())
        while time.monotonic() < deadline and len(seen) < len(acked):
            p = w.grab(timeout=5)
            if p.cmd == g.JOB_ASSIGN:
                seen[p.args[0]] = seen.get(p.args[0], 0) + 1
                if acked.get(p.args[0], (None, p.args[2]))[1] != p.args[2]:
                    check("durable job payload intact", False, "%r carried %r" % (p.args[0], p.args[2]))
                w.complete(p.args[0], b"ok")
            else:
                w.send(g.PRE_SLEEP)
                try:
                    w.expect(g.NOOP, 1.0)
                except g.GearError:
                    pass
    finally:
        w.close()
    missing = [h for h in acked if h not in seen]
    check("background jobs queued on the killed node all run on the survivors (shared PostgreSQL store)",
          not missing, "%d of %d missing, e.g. %r" % (len(missing), len(acked), missing[:3]))
    twice = [h for h, n in seen.items() if n > 1]
    check("no durable job runs twice after the failover", not twice, "%r" % twice[:5])


def failover_probe(func, survivors, t_kill, limit, out):
    """After the kill: fresh client (first survivor) + fresh worker (second survivor) per attempt, a job for
    func (queue was on the victim, no other worker does it) until one completes; out gets the times."""
    attempts, errors = 0, {}
    while time.monotonic() < limit:
        attempts += 1
        t = time.monotonic()
        try:
            where = queue_node(func, survivors[0].port, survivors[1].port, timeout=min(3.0, max(0.5, limit - t)))
            out.update(t_done=time.monotonic(), node=where, attempts=attempts, errors=errors)
            return
        except (g.GearError, OSError, Closed) as e:
            key = str(e).split(" (got")[0].replace(func.decode(), "F")
            errors[key] = errors.get(key, 0) + 1
            time.sleep(max(0.0, 0.5 - (time.monotonic() - t)))
    out.update(t_done=None, attempts=attempts, errors=errors)


def kill_phase(nodes, victim, survivors):
    on_victim, on_survivor, seen = pick_functions(survivors, victim)
    ok = check("pick functions by handle", len(on_victim) >= 5 and on_survivor,
               "queues on victim %s: %s; on survivors: %s" % (
                   victim.name, [f.decode() for f in on_victim],
                   ["%s@%s" % (f.decode(), seen[f.decode()]) for f in on_survivor])
               if len(on_victim) >= 5 and on_survivor else "probed %r" % seen)
    if not ok:
        return
    # on_victim: one for the fresh-connection failover probe, two for the load, two for idle workers
    probe_func, load_victim, idle_funcs = on_victim[0], on_victim[1:3], on_victim[3:5]
    funcs = load_victim + on_survivor
    idle = []   # (function, worker Wire on survivors[i], the other survivor) -- sleeping workers, one per survivor
    for i, f in enumerate(idle_funcs):
        w = Wire(survivors[i].port)
        w.send(g.CAN_DO, f)
        w.send(g.PRE_SLEEP)
        idle.append((f, w, survivors[i], survivors[1 - i]))
    load = Load(funcs, survivors)
    load.start(opt.workers, opt.clients)
    log("load: %d client and %d worker threads on nodes %s; functions %s; failover probe function %s" % (
        opt.clients * len(survivors), opt.workers * len(survivors), ",".join(s.name for s in survivors),
        [f.decode() for f in funcs], probe_func.decode()))

    # warm-up: every function completes jobs before the kill (bounded)
    warm_deadline = time.monotonic() + 15
    while time.monotonic() < warm_deadline:
        done = {}
        for j in load.snapshot():
            if j.outcome == "complete":
                done[j.func] = done.get(j.func, 0) + 1
        if all(done.get(f, 0) >= 20 for f in funcs):
            break
        time.sleep(0.2)
    time.sleep(1.0)
    pre = load.snapshot()
    per_func = {f.decode(): sum(1 for j in pre if j.func == f and j.outcome == "complete") for f in funcs}
    if not check("load flows on every function before the kill", all(per_func.values()), "completed: %r" % per_func):
        load.stop()
        return
    # An idle worker's registration moves its function's queue to the worker's node after 1 s; while the queue
    # moves, `status` may not list the function yet, so the check waits for it (bounded).
    idle_deadline = time.monotonic() + 10
    while True:
        st = status_table(survivors[0].port)
        if all(st.get(f.decode(), (0, 0, 0))[2] >= 1 for f in idle_funcs) or time.monotonic() > idle_deadline:
            break
        time.sleep(0.2)
    if not check("idle (sleeping) workers registered before the kill",
                 all(st.get(f.decode(), (0, 0, 0))[2] >= 1 for f in idle_funcs),
                 "status %r" % {f.decode(): st.get(f.decode()) for f in idle_funcs}):
        load.stop()
        return

    # the kill
    load.t_kill = t_kill = time.monotonic()
    os.kill(victim.proc.pid, signal.SIGKILL)
    victim.proc.wait(5)
    in_flight = [j for j in load.snapshot() if j.outcome is None]
    log("SIGKILL node %s (pid %d) with %d jobs in flight (%d with a handle on %s)" % (
        victim.name, victim.proc.pid, len(in_flight),
        sum(1 for j in in_flight if j.handle and handle_node(j.handle) == victim.name), victim.name))
    probe = {}
    probe_thread = threading.Thread(target=failover_probe, daemon=True,
                                     args=(probe_func, survivors, t_kill, t_kill + opt.failover_limit + 5, probe))
    probe_thread.start()

    # keep the load on until every victim function served a job submitted after the kill (+3 s), bounded
    first_new = {}
    stop_at = t_kill + opt.failover_limit + 5
    while time.monotonic() < stop_at:
        for j in load.snapshot():
            if j.func in load_victim and j.outcome == "complete" and j.t_submit > t_kill:
                if j.func not in first_new or j.t_end < first_new[j.func]:
                    first_new[j.func] = j.t_end
        if len(first_new) == len(load_victim) and not probe_thread.is_alive():
            stop_at = min(stop_at, max(first_new.values()) + 3)
        time.sleep(0.1)
    load.stop_submit.set()
    probe_thread.join(max(0.0, t_kill + opt.failover_limit + 10 - time.monotonic()))

    # failover of a queue that was on the victim, measured with fresh connections
    if probe.get("t_done"):
        secs = probe["t_done"] - t_kill
        log("FAILOVER %s (fresh client and worker): %.1f s from SIGKILL to the first new job completed "
            "(queue now on %s, %d attempts, failed attempts %r)" % (
                probe_func.decode(), secs, probe["node"], probe["attempts"], probe["errors"]))
        check("failover: a new job for %s (queue was on %s) completes within %.0f s" % (
            probe_func.decode(), victim.name, opt.failover_limit), secs <= opt.failover_limit,
            "%.1f s, queue now on %s" % (secs, probe["node"]))
    else:
        check("failover: a new job for %s (queue was on %s) completes within %.0f s" % (
            probe_func.decode(), victim.name, opt.failover_limit), False,
            "none in %d attempts: %r" % (probe.get("attempts", 0), probe.get("errors")))

    # sleeping workers whose queue was on the victim: woken for a new job once the queue has moved
    for f, w, wnode, cnode in idle:
        name = "idle worker on %s for %s (queue was on %s) is woken for a new job after the failover" % (
            wnode.name, f.decode(), victim.name)
        st = status_table(cnode.port).get(f.decode())
        c = Wire(cnode.port)
        try:
            data = b"idle-" + f
            c.send(g.SUBMIT_JOB, f, b"", data)
            p = c.recv(10)
            if p is None or p.cmd != g.JOB_CREATED:
                check(name, False, "no JOB_CREATED on %s within 10 s (got %r)" % (cnode.name, p))
                continue
            handle = p.args[0]
            q = w.recv(10)
            if q is None or q.cmd != g.NOOP:
                check(name, False, "no NOOP within 10 s of job %s (status before the submit: %r)" % (
                    handle.decode(), st))
                continue
            w.send(g.GRAB_JOB)
            q = w.recv(10)
            if q is None or q.cmd != g.JOB_ASSIGN or q.args[0] != handle:
                check(name, False, "GRAB_JOB after NOOP got %r, not job %s" % (q, handle.decode()))
                continue
            w.send(g.WORK_COMPLETE, handle, result_for(f, data))
            p = c.recv(10)
            check(name, p is not None and p.cmd == g.WORK_COMPLETE and p.args[1] == result_for(f, data),
                  "job %s completed" % handle.decode() if p is not None and p.cmd == g.WORK_COMPLETE
                  else "client got %r" % p)
        except Closed as e:
            check(name, False, str(e))
        finally:
            c.close()
            w.close()

    # the same for the load's long-lived workers and clients
    for f in load_victim:
        if f in first_new:
            secs = first_new[f] - t_kill
            log("FAILOVER %s (load): %.1f s from SIGKILL to the first job submitted after it completed" % (
                f.decode(), secs))
            check("failover under load: %s serves a new job within %.0f s" % (f.decode(), opt.failover_limit),
                  secs <= opt.failover_limit, "%.1f s" % secs)
        else:
            check("failover under load: %s serves a new job within %.0f s" % (f.decode(), opt.failover_limit), False,
                  "no job submitted after the kill completed within %.0f s" % (stop_at - t_kill))

    all_ended = load.join_clients(t_kill + opt.hang_limit + 5)
    log("clients stopped %.1f s after the kill" % (time.monotonic() - t_kill))

    jobs = load.snapshot()
    outcomes = {}
    for j in jobs:
        outcomes[j.outcome] = outcomes.get(j.outcome, 0) + 1
    after_kill = [j for j in jobs if j.t_end is not None and j.t_end >= t_kill]
    log("jobs: %d total, outcomes %r; %d ended after the kill; workers ran %d" % (
        len(jobs), outcomes, len(after_kill), load.worker_jobs))
    for j in [j for j in jobs if j.outcome == "refused"]:
        log("refused: %s submitted at %+.1f s, refused at %+.1f s (from the kill)" % (
            j.func.decode(), j.t_submit - t_kill, j.t_end - t_kill))

    def sample(js, n=5):
        return "; ".join("%s via %s submitted at %+.1f s, handle %s: %s %s" % (
            j.func.decode(), j.via, j.t_submit - t_kill, j.handle.decode() if j.handle else "-", j.outcome, j.detail)
            for j in js[:n])

    hung = [j for j in jobs if j.outcome in (None, "hang")]
    check("no job hangs (all ended within %.0f s of the kill)" % opt.hang_limit, all_ended and not hung,
          "%d jobs" % len(jobs) if all_ended and not hung else "%d hung: %s" % (len(hung), sample(hung)))
    odd = [j for j in jobs if j.outcome not in ("complete", "fail", "refused", None, "hang")]
    check("every job ends with WORK_COMPLETE (right result), WORK_FAIL, or a refused submit (ERROR QUEUE_ERROR, no handle)", not odd,
          "%d complete, %d fail, %d refused" % (outcomes.get("complete", 0), outcomes.get("fail", 0), outcomes.get("refused", 0))
          if not odd else "%d others: %s" % (len(odd), sample(odd)))
    surv_names = [s.name for s in survivors]
    on_surv = [j for j in jobs if j.handle and handle_node(j.handle) in surv_names]
    bad = [j for j in on_surv if j.outcome != "complete"]
    check("jobs queued on survivors all complete", on_surv and not bad,
          "%d jobs" % len(on_surv) if not bad else "%d of %d did not: %s" % (len(bad), len(on_surv), sample(bad)))
    on_vict = [j for j in jobs if j.handle and handle_node(j.handle) == victim.name]
    vict_after = [j for j in on_vict if j.t_end is not None and j.t_end >= t_kill]
    log("jobs with a handle on %s: %d; ended after the kill: %d (%d complete, %d fail)" % (
        victim.name, len(on_vict), len(vict_after), sum(1 for j in vict_after if j.outcome == "complete"),
        sum(1 for j in vict_after if j.outcome == "fail")))

    # what the long-lived workers are waiting for now. A grab is answered by NO_JOB at the server's grab-timeout
    # (5 s) at the latest; a grab older than that may still have its answer on the way on a loaded machine, so it
    # gets GRAB_SLACK more seconds before it counts as stuck.
    grab_due = 5.0
    def overdue_grabs():
        t = time.monotonic()
        return [w for w, (what, since) in list(load.worker_state.items())
                if what == "the reply to GRAB_JOB" and t - since > grab_due]
    slack_end = time.monotonic() + GRAB_SLACK
    while overdue_grabs() and time.monotonic() < slack_end:
        time.sleep(0.05)
    now = time.monotonic()
    stuck = []
    for wid, (what, since) in sorted(load.worker_state.items()):
        line = "worker %s: waiting for %s for %.1f s (since %+.2f s from the kill)" % (
            wid, what, now - since, since - t_kill)
        log(line)
        if what == "the reply to GRAB_JOB" and now - since > grab_due + GRAB_SLACK:
            stuck.append(line)
    check("workers on survivors get an answer to every GRAB_JOB", not stuck, "; ".join(stuck))

    # status on every survivor, with workers registered for the re-homed functions
    for s in survivors:
        try:
            t = time.monotonic()
            st = status_table(s.port, timeout=5)
            took = time.monotonic() - t
            missing = [f.decode() for f in funcs if st.get(f.decode(), (0, 0, 0))[2] < 1]
            check("status on node %s after the kill" % s.name, not missing,
                  "answered in %.2f s, %d functions, workers listed for all %d load functions" % (
                      took, len(st), len(funcs)) if not missing else "no workers listed for %s: %r" % (
                      missing, {f.decode(): st.get(f.decode()) for f in funcs}))
        except (g.GearError, OSError) as e:
            check("status on node %s after the kill" % s.name, False, str(e))

    check("worker connections on survivors stay open", not load.worker_errors,
          "%d workers" % (opt.workers * len(survivors)) if not load.worker_errors else "; ".join(load.worker_errors[:5]))

    cli_phase(victim, survivors, probe_func if probe.get("t_done") else load_victim[0])
    load.stop()


def run_cli(servers, func, data):
    env = dict(os.environ, GEARMAN_SERVER=servers)
    try:
        r = subprocess.run(["gearman", "-t", "10000", "-f", func.decode(), data], env=env, capture_output=True,
                           timeout=15, start_new_session=True, stdin=subprocess.DEVNULL)
        return r.returncode, r.stdout, r.stderr.decode(errors="replace").strip()
    except subprocess.TimeoutExpired:
        return "timeout", b"", ""


def cli_phase(victim, survivors, func):
    """libgearman's CLI: a `gearman -w` worker on the second survivor, `gearman` clients given a server list."""
    if shutil.which("gearman") is None:
        check("gearman CLI through a survivor after the kill", False, "gearman (gearman-tools) not installed")
        return
    live, dead = "%s:%d" % (HOST, survivors[0].port), "%s:%d" % (HOST, victim.port)
    wlog = open(os.path.join(opt.logdir, "cli-worker.out"), "wb")
    worker = spawn(["gearman", "-w", "-h", HOST, "-p", str(survivors[1].port), "-f", func.decode(), "--", "rev"],
                   stdout=wlog, stderr=subprocess.STDOUT)
    try:
        data = "cli-" + RUN
        rc, out, err = run_cli("%s,%s" % (live, dead), func, data)
        check("gearman CLI: GEARMAN_SERVER=%s,%s(dead) client, `gearman -w` worker on %s, function %s" % (
            survivors[0].name, victim.name, survivors[1].name, func.decode()), out.strip() == data[::-1].encode(),
            "output %r" % out.strip() if out.strip() == data[::-1].encode()
            else "exit %s, output %r, stderr %r" % (rc, out, err))
        # libgearman's own failover from a dead first server: a note, not a check (1.1.20 does not fail over)
        rc, out, err = run_cli("%s,%s" % (dead, live), func, data + "-2")
        if out.strip() == (data + "-2")[::-1].encode():
            log("NOTE gearman CLI, GEARMAN_SERVER=%s(dead),%s: libgearman failed over and the job completed" % (
                victim.name, survivors[0].name))
        else:
            log("NOTE gearman CLI, GEARMAN_SERVER=%s(dead),%s: libgearman did not fail over (exit %s, output %r, %s)" % (
                victim.name, survivors[0].name, rc, out, err[:150]))
    finally:
        kill_tree(worker)
        wlog.close()


def main():
    os.makedirs(opt.logdir, exist_ok=True)
    if not os.access(opt.bin, os.X_OK):
        check("server binary", False, "%s not found or not executable (build first)" % opt.bin)
        return
    ports = free_ports(6)
    nodes = {}
    for i, name in enumerate("abc"):
        nodes[name] = Node(name, ports[i], ports[3 + i])
    seeds = "%s:%d,%s:%d" % (HOST, nodes["a"].cport, HOST, nodes["b"].cport)
    try:
        for n in nodes.values():
            n.start(seeds)

        # 1. startup
        for n in nodes.values():
            err = wait_tcp(n, 40)
            if not check("node %s accepts TCP on %d" % (n.name, n.port), err is None, err or ""):
                return
        for n in nodes.values():
            err = wait_status(n, 30)
            if not check("node %s answers status" % n.name, err is None, err or ""):
                return
        t = time.monotonic()
        err, attempts, seen = wait_cluster(nodes, 60)
        if not check("cluster formed: a -> queue on c -> worker on b", err is None,
                     err or "%d probe(s), handles seen %r, %.1f s after start" % (
                         attempts, seen, time.monotonic() - T0)):
            return
        log("cluster formed (probing took %.1f s)" % (time.monotonic() - t))

        # 2. conformance against one node of the cluster
        if not opt.skip_conformance:
            run_conformance(nodes[opt.conformance_node])
            dead = [n.name for n in nodes.values() if not n.alive()]
            if not check("all nodes alive after conformance", not dead, "dead: %s" % dead):
                return

        # 3. + 4. mid-load kill and the CLI
        victim = nodes[opt.victim]
        survivors = [n for n in nodes.values() if n is not victim]
        durable = durable_submit(survivors, victim) if opt.postgres else None
        kill_phase(nodes, victim, survivors)
        if durable:
            durable_drain(survivors, *durable)
        dead = [n.name for n in survivors if not n.alive()]
        check("survivors still running", not dead, "dead: %s" % dead)
        check("victim ended by SIGKILL", victim.proc.poll() == -signal.SIGKILL, "exit %s" % victim.proc.poll())
    except Exception as e:   # a bug in this script or an unexpected server answer: a failure, never a hang
        import traceback
        traceback.print_exc()
        check("unexpected error", False, "%s: %s" % (type(e).__name__, e))
    finally:
        failed = any(not ok for _, ok in results)
        if failed:
            for n in nodes.values():
                print("--- last lines of node %s (%s) ---" % (n.name, n.log))
                for l in n.tail():
                    print(l)
        kill_all()
        log("all processes stopped; logs in %s" % opt.logdir)


if __name__ == "__main__":
    main()
    failed = print_summary()
    sys.exit(1 if failed or not results else 0)
