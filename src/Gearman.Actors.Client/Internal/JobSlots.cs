namespace Gearman.Actors.Client.Internal;

/// <summary>
/// The worker's concurrency limit, shared by all its connections. A connection takes a slot before it asks for a
/// job (GRAB_JOB), so it never holds more than the limit even while the answer is on its way, and gives the slot
/// back on NO_JOB or when the job ends. A slot coming back wakes the connections that wait for one.
/// </summary>
internal sealed class JobSlots
{
    private readonly object _lock = new();
    private Action[] _waiters = Array.Empty<Action>();
    private int _free;

    public JobSlots(int count)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "at least one job at a time");
        _free = count;
    }

    public bool TryTake()
    {
        while (true)
        {
            var free = Volatile.Read(ref _free);
            if (free == 0) return false;
            if (Interlocked.CompareExchange(ref _free, free - 1, free) == free) return true;
        }
    }

    /// <summary>Returns a slot and tells every waiter. Never call it while holding a lock a waiter takes.</summary>
    public void Release()
    {
        Interlocked.Increment(ref _free);
        foreach (var wake in Volatile.Read(ref _waiters)) wake();
    }

    public void Subscribe(Action wake)
    {
        lock (_lock) _waiters = [.. _waiters, wake];
    }

    public void Unsubscribe(Action wake)
    {
        lock (_lock) _waiters = _waiters.Where(w => w != wake).ToArray();
    }
}
