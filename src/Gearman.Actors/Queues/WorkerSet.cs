using Akka.Actor;

namespace Gearman.Actors.Queues;

/// <summary>
/// The workers registered for one function, and which of them sleep. Wakeups rotate through the workers so that
/// with a wakeup limit (gearmand's --worker-wakeup) the same few are not always the ones woken. Workers with
/// several functions are told when a runnable job arrives (<see cref="WorkAvailable"/>), once until this queue
/// answers them NO_JOB: their grabs go only to queues that told them.
/// </summary>
internal sealed class WorkerSet
{
    private sealed class Entry
    {
        public int TimeoutMs;
        public bool Sleeping;
        public bool Woken;
        /// <summary>The worker's last grab before its last PRE_SLEEP: grabs up to this one are older than the sleep.</summary>
        public long SleptAfterSeq;
        /// <summary>An idle Job actor that watches this worker already, kept for the worker's next job.</summary>
        public IActorRef? Runner;
        /// <summary>The worker wants <see cref="WorkAvailable"/> notices.</summary>
        public bool Announce;
    }

    /// <summary>Sends through the node link to workers on other nodes; none in tests of the set alone.</summary>
    private readonly BrokerContext? _ctx;
    private readonly Dictionary<IActorRef, Entry> _entries = new();
    private readonly List<IActorRef> _ring = new();
    private int _next;
    /// <summary>Workers that want notices and have not been told of the jobs this queue holds now.</summary>
    private readonly HashSet<IActorRef> _untold = new();
    private WorkAvailable? _notice;
    /// <summary>
    /// Sleep notices (with their grab numbers) from workers not registered yet: when a queue moves, a worker's notice
    /// can reach the next home before its registration does (the notice, dropped by the old node's region, is given
    /// again by HandOffRescue while the worker registers anew through the link). Ignored, it left the worker asleep
    /// with nothing to wake it. Applied at the registration; never woken before it. At most <see cref="MaxEarlySleepers"/>.
    /// </summary>
    private readonly Dictionary<IActorRef, long> _earlySleepers = new();
    private const int MaxEarlySleepers = 1024;

    public WorkerSet(BrokerContext? ctx = null) => _ctx = ctx;

    /// <summary>The function, for the notices; set when the queue's function is known.</summary>
    public string Function
    {
        set => _notice = new WorkAvailable(value);
    }

    public int Count => _entries.Count;

    public bool Contains(IActorRef worker) => _entries.ContainsKey(worker);

    /// <summary>
    /// Adds the worker or updates its timeout and whether it wants notices; true when it was not registered before.
    /// A worker that newly wants notices has heard of nothing yet. A worker whose sleep notice came first sleeps, and
    /// is woken at once when <paramref name="workWaiting"/>.
    /// </summary>
    public bool Register(IActorRef worker, int timeoutMs, bool announce = false, bool workWaiting = false)
    {
        var isNew = !_entries.TryGetValue(worker, out var e);
        if (e is null)
        {
            e = new Entry { TimeoutMs = timeoutMs };
            _entries[worker] = e;
            _ring.Add(worker);
        }
        e.TimeoutMs = timeoutMs;
        if (announce && !e.Announce) _untold.Add(worker);
        e.Announce |= announce;
        if (_earlySleepers.Remove(worker, out var sleptAfter)) Sleep(worker, workWaiting, sleptAfter);
        return isNew;
    }

    /// <summary>Tells every worker that wants notices and has not heard yet that this queue has a runnable job.</summary>
    public void Announce()
    {
        if (_untold.Count == 0 || _notice is null) return;
        foreach (var worker in _untold) Send(worker, _notice!);
        _untold.Clear();
    }

    /// <summary>The worker was answered NO_JOB, so it forgets this function until told again.</summary>
    public void AnsweredNoJob(IActorRef worker)
    {
        if (_entries.TryGetValue(worker, out var e) && e.Announce) _untold.Add(worker);
    }

    /// <summary>Removes the worker; <paramref name="runner"/> is the idle Job actor it had, now free for any worker.</summary>
    public bool Unregister(IActorRef worker, out IActorRef? runner)
    {
        runner = null;
        _earlySleepers.Remove(worker);
        if (!_entries.Remove(worker, out var e)) return false;
        runner = e.Runner;
        _ring.Remove(worker);
        _untold.Remove(worker);
        return true;
    }

    /// <summary>Keeps an idle Job actor whose last job was this worker's; false if the worker has one or is gone.</summary>
    public bool ParkRunner(IActorRef worker, IActorRef runner)
    {
        if (!_entries.TryGetValue(worker, out var e) || e.Runner is not null) return false;
        e.Runner = runner;
        return true;
    }

    public int TimeoutOf(IActorRef worker) => _entries.TryGetValue(worker, out var e) ? e.TimeoutMs : 0;

    /// <summary>PRE_SLEEP: the worker waits for one NOOP. <paramref name="afterSeq"/>: its last grab before it slept.</summary>
    public void Sleep(IActorRef worker, bool wakeNow, long afterSeq = 0)
    {
        if (!_entries.TryGetValue(worker, out var e))
        {
            if (_earlySleepers.Count < MaxEarlySleepers) _earlySleepers[worker] = afterSeq;
            return;
        }
        e.Sleeping = true;
        e.SleptAfterSeq = Math.Max(e.SleptAfterSeq, afterSeq);
        e.Woken = wakeNow;
        if (wakeNow) Send(worker, Wake.Instance);
    }

    /// <summary>
    /// The worker asked for a job (grab number <paramref name="grabSeq"/>), so it is awake, unless the grab is older
    /// than its last PRE_SLEEP. Returns its CAN_DO_TIMEOUT and takes the idle Job actor parked for it, if any.
    /// </summary>
    /// <remarks>
    /// A grab can reach the queue after the worker has given up on it (NO_JOB after the connection's grab timeout)
    /// and gone to sleep: a grab held while the queue moved, or one the old node's region dropped and the broker gave
    /// again. Taken as a sign of life, it left the worker marked awake while it slept, and nothing woke it when jobs
    /// came (a scale-out run's cleanup of 60,000 jobs stalled for good).
    /// </remarks>
    public int Awake(IActorRef worker, long grabSeq, out IActorRef? runner)
    {
        runner = null;
        if (!_entries.TryGetValue(worker, out var e)) return 0;
        if (grabSeq > e.SleptAfterSeq) e.Sleeping = false;
        (runner, e.Runner) = (e.Runner, null);
        return e.TimeoutMs;
    }

    /// <summary>
    /// A job became runnable: tells the workers that want notices, and sends one wakeup to each sleeping worker not
    /// yet woken, at most <paramref name="limit"/> (0 = all).
    /// </summary>
    public void WakeSleepers(int limit)
    {
        Announce();
        var woken = 0;
        var n = _ring.Count;
        for (var i = 0; i < n; i++)
        {
            var worker = _ring[(_next + i) % n];
            var e = _entries[worker];
            if (!e.Sleeping || e.Woken) continue;
            e.Woken = true;
            Send(worker, Wake.Instance);
            if (++woken == limit)
            {
                _next = (_next + i + 1) % n;
                return;
            }
        }
    }

    private void Send(IActorRef worker, object message)
    {
        if (_ctx is null) worker.Tell(message);
        else _ctx.Send(worker, message);
    }
}
