using Akka.Actor;

namespace Gearman.Actors.Queues;

/// <summary>
/// The workers registered for one function, and which of them sleep. Wakeups rotate through the workers so that
/// with a wakeup limit (gearmand's --worker-wakeup) the same few are not always the ones woken.
/// </summary>
internal sealed class WorkerSet
{
    private sealed class Entry
    {
        public int TimeoutMs;
        public bool Sleeping;
        public bool Woken;
        /// <summary>An idle Job actor that watches this worker already, kept for the worker's next job.</summary>
        public IActorRef? Runner;
    }

    private readonly Dictionary<IActorRef, Entry> _entries = new();
    private readonly List<IActorRef> _ring = new();
    private int _next;

    public int Count => _entries.Count;

    public bool Contains(IActorRef worker) => _entries.ContainsKey(worker);

    /// <summary>Adds the worker or updates its timeout; true when it was not registered before.</summary>
    public bool Register(IActorRef worker, int timeoutMs)
    {
        if (_entries.TryGetValue(worker, out var e))
        {
            e.TimeoutMs = timeoutMs;
            return false;
        }
        _entries[worker] = new Entry { TimeoutMs = timeoutMs };
        _ring.Add(worker);
        return true;
    }

    /// <summary>Removes the worker; <paramref name="runner"/> is the idle Job actor it had, now free for any worker.</summary>
    public bool Unregister(IActorRef worker, out IActorRef? runner)
    {
        runner = null;
        if (!_entries.Remove(worker, out var e)) return false;
        runner = e.Runner;
        _ring.Remove(worker);
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

    /// <summary>PRE_SLEEP: the worker waits for one NOOP.</summary>
    public void Sleep(IActorRef worker, bool wakeNow)
    {
        if (!_entries.TryGetValue(worker, out var e)) return;
        e.Sleeping = true;
        e.Woken = wakeNow;
        if (wakeNow) worker.Tell(Wake.Instance);
    }

    /// <summary>
    /// The worker asked for a job, so it is awake. Returns its CAN_DO_TIMEOUT and takes the idle Job actor parked
    /// for it, if any.
    /// </summary>
    public int Awake(IActorRef worker, out IActorRef? runner)
    {
        runner = null;
        if (!_entries.TryGetValue(worker, out var e)) return 0;
        e.Sleeping = false;
        (runner, e.Runner) = (e.Runner, null);
        return e.TimeoutMs;
    }

    /// <summary>Sends one wakeup to each sleeping worker not yet woken, at most <paramref name="limit"/> (0 = all).</summary>
    public void WakeSleepers(int limit)
    {
        var woken = 0;
        var n = _ring.Count;
        for (var i = 0; i < n; i++)
        {
            var worker = _ring[(_next + i) % n];
            var e = _entries[worker];
            if (!e.Sleeping || e.Woken) continue;
            e.Woken = true;
            worker.Tell(Wake.Instance);
            if (++woken == limit)
            {
                _next = (_next + i + 1) % n;
                return;
            }
        }
    }
}
