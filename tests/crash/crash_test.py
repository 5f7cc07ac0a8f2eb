#!/usr/bin/env python3
"""Process-level crash test of durable background jobs (python3 standard library only).

    python3 tests/crash/crash_test.py [--bin PATH] [--workdir DIR] [--seed N] [--cycles 3]

One server process on 127.0.0.1 (a free port, a fresh --data-dir under --workdir, the default sqlite store).
Each cycle: several client connections flood pipelined SUBMIT_JOB_BG / SUBMIT_JOB_HIGH_BG / SUBMIT_JOB_LOW_BG
(half with an empty unique, half with a unique of their own; every payload is unique and some hold NUL and
high bytes) to a few functions, while worker connections GRAB_JOB / WORK_COMPLETE some of the jobs; at a
random moment (seeded RNG, the seed is printed) the server is SIGKILLed, then started again on the same data
dir and port. After the last kill the server is started once more and workers drain everything until every
worker gets NO_JOB and `status` shows nothing queued or running for the test's functions.

Checks (each one PASS or FAIL):
  * every acknowledged submit (JOB_CREATED) got its own handle, of the form H:<node>:<n>, one prefix throughout;
  * every acknowledged job was handed to a worker and completed at least once, with its own function and payload;
  * a job whose WORK_COMPLETE was followed by an answer to the worker's next GRAB before a kill is never handed
    out again (only jobs assigned but not so confirmed at a kill may run once more);
  * within one server run no job is handed out twice; no job runs more than 1 + (kills it was in flight at),
    i.e. at most twice in practice;
  * jobs that ran but never got JOB_CREATED (written, not acknowledged) carry a payload that was sent and not
    acknowledged: counted and reported, never a failure;
  * after each restart a worker gets a job within --recovery-limit seconds; the final drain empties the queues;
  * no client or worker saw a protocol error, and the server did not die by itself.

Prints the seed, the job counts and rates per cycle, the recovery time of each restart, `PASS name` /
`FAIL name: reason` per check, and a plain last line `N passed, N failed`; exits 0 only when nothing failed.
Every wait has a timeout, the whole run has a --budget watchdog, and every server process it starts runs in
its own session and is SIGKILLed on every exit path. Logs and the data dir stay in --workdir.
"""
import argparse
import atexit
import collections
import os
import random
import re
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
ap.add_argument("--bin", default=os.path.join(ROOT, "src/Gearman.Actors.Server/bin/Release/net10.0/gearman-actors"),
                help="the gearman-actors executable")
ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"),
                help="the shared/ folder (for conformance/lib/gearproto.py)")
ap.add_argument("--workdir", default=os.path.join(ROOT, "TestResults", "crash"),
                help="scratch dir: emptied first; holds the data dir and the server logs")
ap.add_argument("--seed", type=int, default=None, help="RNG seed (default: random, printed)")
ap.add_argument("--cycles", type=int, default=3, help="kill/restart cycles before the final drain")
ap.add_argument("--submitters", type=int, default=3, help="client connections flooding submits")
ap.add_argument("--workers", type=int, default=4, help="worker connections")
ap.add_argument("--functions", type=int, default=3, help="functions the jobs are spread over")
ap.add_argument("--window", type=int, default=64, help="submits in flight per client connection")
ap.add_argument("--kill-min", type=float, default=1.0, help="earliest kill, seconds after the run's first JOB_CREATED")
ap.add_argument("--kill-max", type=float, default=4.0, help="latest kill, seconds after the run's first JOB_CREATED")
ap.add_argument("--max-jobs", type=int, default=5000, help="cap on submits per client connection per cycle")
ap.add_argument("--work-ms", type=float, default=0.0, help="a worker's pause per job during the flood (ms)")
ap.add_argument("--reply-timeout", type=float, default=15.0, help="longest wait for any one reply from a live server")
ap.add_argument("--start-timeout", type=float, default=30.0, help="longest wait for a started server to answer")
ap.add_argument("--recovery-limit", type=float, default=20.0, help="restart to first job handed out, seconds")
ap.add_argument("--drain-timeout", type=float, default=90.0, help="longest final drain, seconds")
ap.add_argument("--budget", type=float, default=180.0, help="hard limit for the whole run (watchdog), seconds")
ap.add_argument("--keep", action="store_true", help="keep the data dir after a passing run")
opt = ap.parse_args()

sys.path.insert(0, os.path.join(opt.shared, "conformance", "lib"))
import gearproto as g  # noqa: E402  (../shared/conformance/lib)

T0 = time.monotonic()
SEED = opt.seed if opt.seed is not None else random.SystemRandom().randrange(1, 2 ** 31)
RNG = random.Random(SEED)
FUNCS = ["crash_f%d" % i for i in range(opt.functions)]
SUBMIT_CMDS = [(g.SUBMIT_JOB_BG, "normal"), (g.SUBMIT_JOB_HIGH_BG, "high"), (g.SUBMIT_JOB_LOW_BG, "low")]
HANDLE_RE = re.compile(rb"^H:(.+):(\d+)$")
INFLIGHT_AT_KILL = {}                # run -> jobs a worker held, not confirmed completed, at its kill


def log(msg):
    print("[%6.1f s] %s" % (time.monotonic() - T0, msg), flush=True)


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------
results = []
results_lock = threading.Lock()
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
            return 0
        summary_printed = True
        passed = sum(1 for _, ok in results if ok)
        failed = len(results) - passed
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return failed


# ---------------------------------------------------------------------------------------------
# Processes: each server runs in its own session and is SIGKILLed on every exit path.
# ---------------------------------------------------------------------------------------------
children = []
children_lock = threading.Lock()


def kill_proc(p):
    if p.poll() is not None:
        return
    try:
        os.kill(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        pass


def kill_all():
    with children_lock:
        procs = list(children)
    for p in procs:
        kill_proc(p)


atexit.register(kill_all)


def on_signal(signum, _frame):
    print("FAIL interrupted: signal %d" % signum, flush=True)
    with results_lock:
        results.append(("interrupted", False))
    kill_all()
    print_summary()
    os._exit(128 + signum)


for _s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_s, on_signal)


def watchdog():
    time.sleep(opt.budget)
    print("FAIL watchdog: the run exceeded its %.0f s budget; killing everything" % opt.budget, flush=True)
    with results_lock:
        results.append(("watchdog", False))
    kill_all()
    print_summary()
    os._exit(3)


threading.Thread(target=watchdog, daemon=True).start()


def free_port():
    s = socket.socket()
    try:
        s.bind((HOST, 0))
        return s.getsockname()[1]
    finally:
        s.close()


# ---------------------------------------------------------------------------------------------
# A framed connection that keeps partial packets across short reads.
# ---------------------------------------------------------------------------------------------
class Closed(Exception):
    pass


class ProtocolError(Exception):
    pass


class Wire:
    def __init__(self, port, timeout=5.0):
        try:
            self.sock = socket.create_connection((HOST, port), timeout=timeout)
        except OSError as e:
            raise Closed("connect: %s" % e)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()

    def sendall(self, data):
        try:
            self.sock.sendall(data)
        except OSError as e:
            raise Closed("send: %s" % e)

    def _parse(self):
        if len(self.buf) < 12:
            return None
        magic = bytes(self.buf[:4])
        if magic != g.RES:
            raise ProtocolError("bad magic %r" % bytes(self.buf[:12]))
        cmd, size = struct.unpack(">II", self.buf[4:12])
        if len(self.buf) < 12 + size:
            return None
        body = bytes(self.buf[12:12 + size])
        del self.buf[:12 + size]
        return g.Packet(magic, cmd, body)

    def recv(self, timeout):
        """The next packet, or None when nothing complete arrived within timeout (0: only what is buffered)."""
        deadline = time.monotonic() + timeout
        while True:
            p = self._parse()
            if p is not None:
                return p
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                d = self.sock.recv(1 << 18)
            except socket.timeout:
                return None
            except OSError as e:
                raise Closed("recv: %s" % e)
            if not d:
                raise Closed("server closed the connection")
            self.buf += d

    def recv_line(self, timeout):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Closed("no admin reply within %.1f s" % timeout)
            self.sock.settimeout(left)
            try:
                d = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError as e:
                raise Closed("recv: %s" % e)
            if not d:
                raise Closed("server closed the connection")
            self.buf += d
        i = self.buf.index(b"\n")
        line = bytes(self.buf[:i])
        del self.buf[:i + 1]
        return line.rstrip(b"\r")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def status_table(port, timeout=5.0):
    """{func: (total, running, workers)} from the admin `status` command."""
    w = Wire(port, timeout)
    try:
        w.sendall(b"status\r\n")
        out = {}
        deadline = time.monotonic() + timeout
        while True:
            line = w.recv_line(max(0.01, deadline - time.monotonic()))
            if line == b".":
                return out
            parts = line.decode("latin-1").split("\t")
            if len(parts) != 4:
                raise ProtocolError("bad status line %r" % line)
            out[parts[0]] = tuple(int(x) for x in parts[1:])
    finally:
        w.close()


# ---------------------------------------------------------------------------------------------
# One server process (an "incarnation": the same data dir and port, started again after each kill).
# ---------------------------------------------------------------------------------------------
class Server:
    def __init__(self, inc, port, datadir):
        self.inc, self.port, self.datadir = inc, port, datadir
        self.log = os.path.join(opt.workdir, "server-%d.log" % inc)
        self.out = os.path.join(opt.workdir, "server-%d.out" % inc)
        self.pidfile = os.path.join(opt.workdir, "server-%d.pid" % inc)
        self.proc = None
        self.killed = False          # set just before our SIGKILL: connection losses after it are expected
        self.t_spawn = self.t_ready = self.t_first_assign = self.t_kill = None
        self.first_lock = threading.Lock()

    def start(self):
        argv = [opt.bin, "-L", HOST, "-p", str(self.port), "--data-dir", self.datadir,
                "-P", self.pidfile, "-l", self.log]
        log("run %d: start %s" % (self.inc, " ".join(argv)))
        self.t_spawn = time.monotonic()
        with open(self.out, "wb") as out:
            self.proc = subprocess.Popen(argv, start_new_session=True, stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=subprocess.STDOUT, cwd=opt.workdir)
        with children_lock:
            children.append(self.proc)

    def wait_ready(self):
        """Until the port accepts and `status` answers (bounded); False if the process died or timed out."""
        deadline = time.monotonic() + opt.start_timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                last = "exited with %s" % self.proc.returncode
                break
            try:
                status_table(self.port, 2.0)
                self.t_ready = time.monotonic()
                return True, "%.2f s" % (self.t_ready - self.t_spawn)
            except (Closed, ProtocolError, OSError) as e:
                last = str(e)
            time.sleep(0.05)
        return False, "not serving after %.0f s (%s)\n%s" % (opt.start_timeout, last, "\n".join(self.tail()))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def sigkill(self):
        self.killed = True
        self.t_kill = time.monotonic()
        os.kill(self.proc.pid, signal.SIGKILL)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass

    def note_assign(self, t):
        with self.first_lock:
            if self.t_first_assign is None:
                self.t_first_assign = t

    def tail(self, n=20):
        lines = []
        for f in (self.out, self.log):
            try:
                with open(f, "r", errors="replace") as fh:
                    lines += ["  %s| %s" % (os.path.basename(f), l.rstrip("\n")) for l in fh.readlines()[-n:]]
            except OSError:
                pass
        return lines

    def log_lines(self, pattern):
        try:
            with open(self.log, "r", errors="replace") as fh:
                return [l.rstrip("\n") for l in fh if pattern in l]
        except OSError:
            return []


# ---------------------------------------------------------------------------------------------
# Load: submitters (clients) and workers, one thread and one connection each.
# ---------------------------------------------------------------------------------------------
class Submitter(threading.Thread):
    def __init__(self, server, idx, stop):
        super().__init__(daemon=True, name="sub-%d-%d" % (server.inc, idx))
        self.server, self.idx, self.stop = server, idx, stop
        self.rng = random.Random("%d/sub/%d/%d" % (SEED, server.inc, idx))
        self.acked = []              # (handle, payload, func, unique, prio)
        self.unacked = []            # (payload, func, unique, prio): sent, no JOB_CREATED
        self.errors = []
        self.sent = 0
        self.capped = False
        self.t_start = self.t_first_ack = self.t_last_ack = None

    def make(self, i):
        rng = self.rng
        func = FUNCS[rng.randrange(len(FUNCS))]
        cmd, prio = SUBMIT_CMDS[rng.choice((0, 0, 0, 1, 2))]
        unique = b"" if rng.random() < 0.5 else b"u-%d-%d-%d" % (self.server.inc, self.idx, i)
        payload = b"p:%d:%d:%d:" % (self.server.inc, self.idx, i)
        n = rng.randrange(0, 48)
        if rng.random() < 0.25:
            payload += bytes(rng.randrange(256) for _ in range(n)) + b"\0end"
        else:
            payload += b"x" * n
        return cmd, func, unique, payload, prio

    def run(self):
        outstanding = collections.deque()
        w = None
        try:
            w = Wire(self.server.port, opt.reply_timeout)
            self.t_start = time.monotonic()
            i = 0
            while not self.stop.is_set():
                if i < opt.max_jobs and len(outstanding) < opt.window:
                    batch = []
                    while i < opt.max_jobs and len(outstanding) < opt.window:
                        cmd, func, unique, payload, prio = self.make(i)
                        batch.append(g.pack(cmd, func, unique, payload))
                        outstanding.append((payload, func, unique, prio))
                        i += 1
                    w.sendall(b"".join(batch))
                    self.sent = i
                elif i >= opt.max_jobs:
                    self.capped = True
                if not outstanding:
                    self.stop.wait(0.05)
                    continue
                p = w.recv(opt.reply_timeout)
                if p is None:
                    if self.stop.is_set():
                        break
                    raise ProtocolError("no JOB_CREATED within %.0f s (%d outstanding)" % (opt.reply_timeout, len(outstanding)))
                while p is not None:
                    if p.cmd != g.JOB_CREATED:
                        raise ProtocolError("expected JOB_CREATED, got %r" % p)
                    payload, func, unique, prio = outstanding.popleft()
                    self.acked.append((p.args[0], payload, func, unique, prio))
                    if self.t_first_ack is None:
                        self.t_first_ack = time.monotonic()
                    p = w.recv(0)
                self.t_last_ack = time.monotonic()
        except Closed as e:
            if not self.server.killed:
                self.errors.append("connection lost while the server was not killed: %s" % e)
        except ProtocolError as e:
            self.errors.append(str(e))
        except Exception as e:  # noqa: BLE001 - any surprise is a failure of this thread, reported
            self.errors.append("%s: %s" % (type(e).__name__, e))
        finally:
            self.unacked.extend(outstanding)
            if w is not None:
                w.close()


class Worker(threading.Thread):
    """GRAB_JOB / WORK_COMPLETE. A job's record goes 'assigned' -> 'completed' (WORK_COMPLETE sent) ->
    'confirmed' (the server then answered this worker's next GRAB, which it reads after the completion)."""

    def __init__(self, server, idx, stop, work_ms):
        super().__init__(daemon=True, name="wrk-%d-%d" % (server.inc, idx))
        self.server, self.idx, self.stop, self.work_ms = server, idx, stop, work_ms
        self.records = []            # [handle, func, payload, state, t_assigned, t_confirmed]
        self.errors = []
        self.idle = False            # last GRAB answered NO_JOB (and nothing assigned since)
        self.idle_since = None
        self.last_assign = None

    def run(self):
        w = None
        prev = None
        try:
            w = Wire(self.server.port, opt.reply_timeout)
            w.sendall(b"".join(g.pack(g.CAN_DO, f) for f in FUNCS) + g.pack(g.GRAB_JOB))
            while True:
                deadline = time.monotonic() + opt.reply_timeout
                p = None
                while True:          # the answer to the GRAB just sent (NOOPs skipped)
                    p = w.recv(max(0.0, deadline - time.monotonic()))
                    if p is None:
                        raise ProtocolError("no answer to GRAB_JOB within %.0f s" % opt.reply_timeout)
                    if p.cmd != g.NOOP:
                        break
                if prev is not None:
                    prev[3] = "confirmed"
                    prev[5] = time.monotonic()
                    prev = None
                if p.cmd == g.JOB_ASSIGN:
                    handle, func, payload = bytes(p.body).split(b"\0", 2)
                    t = time.monotonic()
                    rec = [handle, func.decode("latin-1"), payload, "assigned", t, None]
                    self.records.append(rec)
                    self.idle = False
                    self.last_assign = t
                    self.server.note_assign(t)
                    if self.work_ms > 0 and not self.stop.is_set():
                        time.sleep(self.work_ms / 1000.0)
                    w.sendall(g.pack(g.WORK_COMPLETE, handle, b"done") + g.pack(g.GRAB_JOB))
                    rec[3] = "completed"
                    prev = rec
                elif p.cmd == g.NO_JOB:
                    if not self.idle:
                        self.idle, self.idle_since = True, time.monotonic()
                    if self.stop.is_set():
                        break
                    w.sendall(g.pack(g.PRE_SLEEP))
                    q = w.recv(0.2)  # a NOOP, or nothing: GRAB again either way
                    if q is not None and q.cmd != g.NOOP:
                        raise ProtocolError("expected NOOP after PRE_SLEEP, got %r" % q)
                    w.sendall(g.pack(g.GRAB_JOB))
                else:
                    raise ProtocolError("unexpected answer to GRAB_JOB: %r" % p)
        except Closed as e:
            if not self.server.killed:
                self.errors.append("connection lost while the server was not killed: %s" % e)
        except ProtocolError as e:
            self.errors.append(str(e))
        except Exception as e:  # noqa: BLE001
            self.errors.append("%s: %s" % (type(e).__name__, e))
        finally:
            if w is not None:
                w.close()


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------
def prepare_workdir():
    os.makedirs(opt.workdir, exist_ok=True)
    for name in os.listdir(opt.workdir):
        path = os.path.join(opt.workdir, name)
        if name == "data" or name.startswith("server-"):
            if os.path.isdir(path):
                shutil.rmtree(path)
            else:
                os.remove(path)


def join_all(threads, timeout):
    deadline = time.monotonic() + timeout
    stuck = []
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
        if t.is_alive():
            stuck.append(t.name)
    return stuck


def main():
    if not os.access(opt.bin, os.X_OK):
        check("server binary", False, "%s is not executable (build: dotnet build Gearman.Actors.sln -c Release)" % opt.bin)
        return [], [], [], False
    prepare_workdir()
    datadir = os.path.join(opt.workdir, "data")
    port = free_port()
    log("seed=%d (rerun: --seed %d); cycles=%d submitters=%d workers=%d functions=%d window=%d; workdir %s; port %d"
        % (SEED, SEED, opt.cycles, opt.submitters, opt.workers, opt.functions, opt.window, opt.workdir, port))
    kill_delays = [RNG.uniform(opt.kill_min, opt.kill_max) for _ in range(opt.cycles)]

    servers, submitters, workers = [], [], []
    died_by_itself = []

    for inc in range(opt.cycles + 1):
        final = inc == opt.cycles
        srv = Server(inc, port, datadir)
        servers.append(srv)
        srv.start()
        ok, detail = srv.wait_ready()
        if not check("run %d: server serves after %s" % (inc, "a fresh start" if inc == 0 else "restart"), ok, detail):
            return servers, submitters, workers, False
        stop = threading.Event()
        ws = [Worker(srv, k, stop, 0.0 if final else opt.work_ms) for k in range(opt.workers)]
        for t in ws:
            t.start()
        workers.extend(ws)

        if not final:
            subs = [Submitter(srv, k, stop) for k in range(opt.submitters)]
            t_flood = time.monotonic()
            for t in subs:
                t.start()
            submitters.extend(subs)
            # The kill comes a random time after the first JOB_CREATED of this run (a fresh store is slow to
            # acknowledge its first write), waking up to notice a server that died on its own.
            deadline = t_flood + opt.reply_timeout
            while srv.alive() and time.monotonic() < deadline and not any(s.t_first_ack for s in subs):
                time.sleep(0.01)
            firsts = [s.t_first_ack for s in subs if s.t_first_ack]
            t_first = min(firsts) if firsts else None
            if not check("run %d: a JOB_CREATED within %.0f s of the first submit" % (inc, opt.reply_timeout),
                         t_first is not None or not srv.alive(),
                         ("%.2f s" % (t_first - t_flood)) if t_first else "none"):
                stop.set()
                srv.sigkill()
                join_all(subs + ws, 20)
                return servers, submitters, workers, False
            t_first = t_first or time.monotonic()
            delay = kill_delays[inc]
            while time.monotonic() - t_first < delay and srv.alive():
                time.sleep(0.02)
            if not srv.alive():
                died_by_itself.append("run %d exited with %s before the kill\n%s"
                                      % (inc, srv.proc.returncode, "\n".join(srv.tail())))
                stop.set()
                join_all(subs + ws, 20)
                return servers, submitters, workers, False
            still_flooding = sum(1 for s in subs if s.is_alive() and not s.capped)
            srv.sigkill()
            stop.set()
            stuck = join_all(subs + ws, 20)
            if stuck:
                check("run %d: load threads end after the kill" % inc, False, "still running: %s" % ", ".join(stuck))
                return servers, submitters, workers, False
            acked = sum(len(s.acked) for s in subs)
            unacked = sum(len(s.unacked) for s in subs)
            span = max(1e-6, srv.t_kill - t_first)
            recs = [r for w in ws for r in w.records]
            inflight = sum(1 for r in recs if r[3] != "confirmed")
            INFLIGHT_AT_KILL[inc] = inflight
            log("run %d: SIGKILL %.2f s after the first JOB_CREATED (%d/%d submitters still sending): %d JOB_CREATED "
                "(%.0f/s), %d sent without JOB_CREATED; workers took %d jobs, %d confirmed completed, %d in flight"
                % (inc, span, still_flooding, len(subs), acked, acked / span, unacked, len(recs),
                   len(recs) - inflight, inflight))
        else:
            # Final drain: until every worker's last GRAB got NO_JOB and `status` shows nothing for our functions.
            deadline = time.monotonic() + opt.drain_timeout
            drained, last_status, status_err = False, None, None
            while time.monotonic() < deadline and srv.alive():
                time.sleep(0.2)
                if any(not w.is_alive() for w in ws):
                    break
                now = time.monotonic()
                if not all(w.idle and w.idle_since is not None and now - w.idle_since > 0.5 for w in ws):
                    continue
                try:
                    st = status_table(port, 5.0)
                except (Closed, ProtocolError, OSError) as e:
                    status_err = str(e)
                    continue
                last_status = {f: st.get(f) for f in FUNCS}
                if all(v is None or (v[0] == 0 and v[1] == 0) for v in last_status.values()) and \
                        all(w.idle for w in ws):
                    drained = True
                    break
            t_drain = time.monotonic()
            n = sum(len(w.records) for w in ws)
            log("run %d: drain %s after %.1f s: workers took %d jobs; status %r%s"
                % (inc, "done" if drained else "NOT done", t_drain - srv.t_ready, n, last_status,
                   (" (last status error: %s)" % status_err) if status_err else ""))
            check("final drain: every worker gets NO_JOB and status shows nothing queued or running", drained,
                  "status %r, workers idle %r, alive %s" % (last_status, [w.idle for w in ws], srv.alive()))
            stop.set()
            stuck = join_all(ws, 10)
            check("server still alive at the end", srv.alive(), "" if srv.alive() else "exited with %s" % srv.proc.returncode)
            kill_proc(srv.proc)
            if stuck:
                check("workers end after the drain", False, "still running: %s" % ", ".join(stuck))
        if inc > 0:
            rec = (srv.t_first_assign - srv.t_spawn) if srv.t_first_assign is not None else None
            log("run %d: restart -> serving %.2f s, restart -> first job handed to a worker %s"
                % (inc, srv.t_ready - srv.t_spawn, ("%.2f s" % rec) if rec is not None else "never"))
    check("no server exited by itself", not died_by_itself, "; ".join(died_by_itself))
    return servers, submitters, workers, True


def analyse(servers, submitters, workers, complete):
    # ---- errors seen by the load threads
    errs = ["%s: %s" % (t.name, e) for t in submitters + workers for e in t.errors]
    check("no protocol errors or unexpected connection losses in clients and workers", not errs,
          "; ".join(errs[:8]) + (" (+%d more)" % (len(errs) - 8) if len(errs) > 8 else ""))
    if not complete:
        return

    # ---- acknowledged submits
    acked = {}                       # handle -> (payload, func, unique, prio, inc)
    dup_handles = []
    by_payload = {}                  # payload -> handle (acked) or None (sent, not acked)
    for s in submitters:
        for handle, payload, func, unique, prio in s.acked:
            if handle in acked:
                dup_handles.append(handle)
            acked[handle] = (payload, func, unique, prio, s.server.inc)
            by_payload[payload] = handle
        for payload, func, unique, prio in s.unacked:
            by_payload[payload] = None
    n_acked = sum(len(s.acked) for s in submitters)
    n_empty = sum(1 for s in submitters for a in s.acked if a[3] == b"")
    check("every acknowledged submit got its own handle (%d submits, %d with an empty unique)" % (n_acked, n_empty),
          not dup_handles and n_acked > 0,
          "handles given twice: %r" % dup_handles[:5] if dup_handles else ("no submit was acknowledged" if n_acked == 0 else ""))
    prefixes = collections.Counter()
    bad_form = []
    for h in acked:
        m = HANDLE_RE.match(h)
        if m:
            prefixes[m.group(1)] += 1
        else:
            bad_form.append(h)
    check("handles are H:<node>:<n> with one node name in every run", not bad_form and len(prefixes) == 1,
          "bad %r, node names %r" % (bad_form[:5], dict(prefixes)) if (bad_form or len(prefixes) != 1)
          else "node %s" % next(iter(prefixes)).decode("latin-1"))

    # ---- what the workers were handed, by handle, in run order
    runs = collections.defaultdict(list)     # handle -> [(inc, func, payload, state)]
    for w in sorted(workers, key=lambda w: w.server.inc):
        for handle, func, payload, state, _t, t_conf in w.records:
            runs[handle].append((w.server.inc, func, payload, state, t_conf))
    killed_incs = {s.inc for s in servers if s.killed}

    lost, not_completed, wrong = [], [], []
    for handle, (payload, func, unique, prio, inc) in acked.items():
        rs = runs.get(handle)
        if not rs:
            lost.append(handle)
            continue
        if not any(r[3] in ("completed", "confirmed") for r in rs):
            not_completed.append(handle)
        for r in rs:
            if r[1] != func or r[2] != payload:
                wrong.append((handle, func, payload[:40], r[1], r[2][:40], r[0]))
    check("every acknowledged job was handed to a worker at least once (%d jobs)" % len(acked), not lost,
          "%d never handed out, e.g. %r" % (len(lost), lost[:5]) if lost else "")
    check("every acknowledged job was completed (WORK_COMPLETE sent) at least once", not not_completed,
          "%d not completed, e.g. %r" % (len(not_completed), not_completed[:5]) if not_completed else "")
    check("every job handed out carries the function and payload it was submitted with", not wrong,
          "%d differ, e.g. %r" % (len(wrong), wrong[:3]) if wrong else "")

    # ---- at-most-once after a confirmed completion; no repeats inside one run; bounded repeats
    after_confirmed, same_run, too_many = [], [], []
    hist = collections.Counter()
    for handle, rs in runs.items():
        hist[len(rs)] += 1
        per_inc = collections.Counter(r[0] for r in rs)
        if any(c > 1 for c in per_inc.values()):
            same_run.append((handle, dict(per_inc)))
        confirmed_in = [r[0] for r in rs if r[3] == "confirmed"]
        if confirmed_in and any(r[0] > min(confirmed_in) for r in rs):
            first = min((r for r in rs if r[3] == "confirmed"), key=lambda r: r[0])
            ahead = servers[first[0]].t_kill - first[4] if servers[first[0]].t_kill else None
            after_confirmed.append((handle, [(r[0], r[3]) for r in rs], ahead, first[0]))
        inflight_kills = sum(1 for r in rs if r[3] != "confirmed" and r[0] in killed_incs)
        if len(rs) > max(2, 1 + inflight_kills):
            too_many.append((handle, [(r[0], r[3]) for r in rs]))
    if after_confirmed:
        aheads = sorted(a[2] for a in after_confirmed if a[2] is not None) or [0.0]
        window = aheads[-1] if aheads else 0.0
        in_window = sum(1 for w in workers for r in w.records if r[3] == "confirmed" and w.server.killed
                        and w.server.t_kill - r[5] <= window)
        detail = ("%d handed out again after a restart; they were confirmed %.3f..%.3f s before the kill "
                  "(%d jobs were confirmed in those last %.3f s before a kill); e.g. %s"
                  % (len(after_confirmed), aheads[0], aheads[-1], in_window, window,
                     "; ".join("%s runs %r" % (h.decode("latin-1"), rr) for h, rr, _a, _k in after_confirmed[:4])))
        by_kill = collections.Counter(a[3] for a in after_confirmed)
        detail += "; by kill: %s" % ", ".join("run %d: %d" % kv for kv in sorted(by_kill.items()))
    else:
        n_conf = sum(1 for rs in runs.values() for r in rs if r[3] == "confirmed" and r[0] in killed_incs)
        detail = "%d confirmed before a kill" % n_conf
    check("a job confirmed completed before a kill is never handed out again", not after_confirmed, detail)
    check("within one server run no job is handed out twice", not same_run,
          "%d, e.g. %r" % (len(same_run), same_run[:5]) if same_run else "")
    reran = sum(c for n, c in hist.items() if n > 1)
    check("no job runs more than twice (more only if in flight at more than one kill)", not too_many,
          "%d, e.g. %r" % (len(too_many), too_many[:5]) if too_many else
          "runs per job %s; %d ran again after a kill; in flight at the kills: %s"
          % (dict(sorted(hist.items())), reran,
             ", ".join("run %d: %d" % (k, v) for k, v in sorted(INFLIGHT_AT_KILL.items()))))

    # ---- jobs that ran without a JOB_CREATED
    unacked_ran, strange = [], []
    for handle, rs in runs.items():
        if handle in acked:
            continue
        payload = rs[0][2]
        if payload in by_payload and by_payload[payload] is None:
            unacked_ran.append(handle)
        else:
            strange.append((handle, payload[:40], "acked as %r" % by_payload.get(payload) if payload in by_payload else "never sent"))
    n_unacked = sum(len(s.unacked) for s in submitters)
    log("note: %d of %d submits sent without JOB_CREATED (at the kills) ran anyway: written but not acknowledged (allowed)"
        % (len(unacked_ran), n_unacked))
    check("every job run without a JOB_CREATED is one that was sent and not acknowledged", not strange,
          "%d others, e.g. %r" % (len(strange), strange[:5]) if strange else "")

    # ---- recovery time after each restart
    slow = []
    for s in servers[1:]:
        t = None if s.t_first_assign is None else s.t_first_assign - s.t_spawn
        if t is None or t > opt.recovery_limit:
            slow.append("run %d: %s" % (s.inc, "no job handed out" if t is None else "%.1f s" % t))
    rec = ["%.2f" % (s.t_first_assign - s.t_spawn) for s in servers[1:] if s.t_first_assign is not None]
    check("after each restart a worker gets a job within %.0f s" % opt.recovery_limit, not slow,
          "; ".join(slow) if slow else "restart -> first job: %s s" % ", ".join(rec))

    # ---- server log: errors are reported (not a check by themselves)
    for s in servers:
        bad = s.log_lines("level=error") + s.log_lines("level=fatal")
        if bad:
            log("note: run %d server log has %d error lines, first: %s" % (s.inc, len(bad), bad[0][:300]))


if __name__ == "__main__":
    try:
        servers, submitters, workers, complete = main()
        analyse(servers, submitters, workers, complete)
        if complete and not opt.keep and all(ok for _, ok in results):
            shutil.rmtree(os.path.join(opt.workdir, "data"), ignore_errors=True)
    except Exception as e:  # noqa: BLE001
        import traceback
        traceback.print_exc()
        check("test harness", False, "%s: %s" % (type(e).__name__, e))
    finally:
        kill_all()
    log("total %.1f s" % (time.monotonic() - T0))
    failed = print_summary()
    sys.exit(1 if failed else 0)
