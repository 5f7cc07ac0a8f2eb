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

    public bool Unregister(IActorRef worker)
    {
        if (!_entries.Remove(worker)) return false;
        _ring.Remove(worker);
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

    /// <summary>The worker asked for a job, so it is awake.</summary>
    public void Awake(IActorRef worker)
    {
        if (_entries.TryGetValue(worker, out var e)) e.Sleeping = false;
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
