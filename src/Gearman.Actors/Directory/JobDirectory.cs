using System.Collections.Concurrent;

namespace Gearman.Actors.Directory;

/// <summary>
/// The node's index from a job handle or unique to the function that owns it, and from a function to its live queue
/// and that queue's counters. GET_STATUS and `cancel job` carry only a handle, GET_STATUS_UNIQUE only a unique, and
/// admin listings need every queue: this index answers all of them without a message. Queues write it; connections
/// and admin read it.
/// </summary>
public sealed class JobDirectory
{
    private readonly ConcurrentDictionary<string, string> _functionByHandle = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _functionByUnique = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, QueueSlot> _queues = new(StringComparer.Ordinal);
    /// <summary>Bumped after each queue that starts or stops, so listings know when <see cref="_inOrder"/> is stale.</summary>
    private long _queuesVersion;
    /// <summary>The queues in name order as of a version: sorting 50,000 names for each `status` cost tens of ms.</summary>
    private InOrder _inOrder = new(-1, Array.Empty<QueueSlot>());

    private sealed record InOrder(long Version, QueueSlot[] Slots);

    private long _jobCount;
    private long _jobBytes;

    /// <summary>Jobs this node holds, queued or running (what <c>gearman.max-jobs</c> bounds).</summary>
    public long JobCount => Volatile.Read(ref _jobCount);

    /// <summary>The payload bytes of those jobs (what <c>gearman.max-job-memory</c> bounds).</summary>
    public long JobBytes => Volatile.Read(ref _jobBytes);

    /// <param name="bytes">The job's payload size; the same figure must come back to <see cref="RemoveJob"/>.</param>
    public void AddJob(string handle, string function, string? uniqueKey, long bytes)
    {
        if (_functionByHandle.TryAdd(handle, function))
        {
            Interlocked.Increment(ref _jobCount);
            Interlocked.Add(ref _jobBytes, bytes);
        }
        else _functionByHandle[handle] = function;
        if (uniqueKey is not null) _functionByUnique[uniqueKey] = function;
    }

    public void RemoveJob(string handle, string function, string? uniqueKey, long bytes)
    {
        if (_functionByHandle.TryRemove(handle, out _))
        {
            Interlocked.Decrement(ref _jobCount);
            Interlocked.Add(ref _jobBytes, -bytes);
        }
        if (uniqueKey is not null) _functionByUnique.TryRemove(new KeyValuePair<string, string>(uniqueKey, function));
    }

    public bool TryGetFunctionOfHandle(string handle, out string function) => _functionByHandle.TryGetValue(handle, out function!);

    public bool TryGetFunctionOfUnique(string unique, out string function) => _functionByUnique.TryGetValue(unique, out function!);

    internal void AddQueue(QueueSlot slot)
    {
        _queues[slot.Function] = slot;
        Interlocked.Increment(ref _queuesVersion);
    }

    /// <summary>Removes the slot if it is still the function's (a newer incarnation of the queue may have replaced it).</summary>
    internal void RemoveQueue(QueueSlot slot)
    {
        if (_queues.TryRemove(new KeyValuePair<string, QueueSlot>(slot.Function, slot))) Interlocked.Increment(ref _queuesVersion);
    }

    public bool HasQueue(string function) => _queues.ContainsKey(function);

    /// <summary>Every live queue, in ordinal order of function name, with the counters it last published.</summary>
    public IReadOnlyList<QueueEntry> Queues
    {
        get
        {
            var slots = SlotsInOrder();
            var entries = new QueueEntry[slots.Length];
            for (var i = 0; i < slots.Length; i++) entries[i] = slots[i].Entry;
            return entries;
        }
    }

    private QueueSlot[] SlotsInOrder()
    {
        // A queue is in the dictionary before the version moves past it, so slots taken after reading the version
        // hold every queue of that version (and maybe newer ones, which the next version lists again).
        var version = Interlocked.Read(ref _queuesVersion);
        var cached = Volatile.Read(ref _inOrder);
        if (cached.Version == version) return cached.Slots;
        var slots = _queues.Values.ToArray();
        var names = new string[slots.Length];
        for (var i = 0; i < slots.Length; i++) names[i] = slots[i].Function;
        Array.Sort(names, slots, StringComparer.Ordinal);
        Volatile.Write(ref _inOrder, new InOrder(version, slots));
        return slots;
    }
}
