using System.Collections.Concurrent;
using Akka.Actor;

namespace Gearman.Actors.Directory;

/// <summary>
/// The node's index from a job handle or unique to the function that owns it, and from a function to its live queue.
/// GET_STATUS and `cancel job` carry only a handle, GET_STATUS_UNIQUE only a unique, and admin listings need every
/// queue: this index answers all of them without a message. Queues write it; connections and admin read it.
/// </summary>
public sealed class JobDirectory
{
    private readonly ConcurrentDictionary<string, string> _functionByHandle = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _functionByUnique = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IActorRef> _queues = new(StringComparer.Ordinal);

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

    public void AddQueue(string function, IActorRef queue) => _queues[function] = queue;

    public void RemoveQueue(string function, IActorRef queue) =>
        _queues.TryRemove(new KeyValuePair<string, IActorRef>(function, queue));

    public bool HasQueue(string function) => _queues.ContainsKey(function);

    public IReadOnlyCollection<KeyValuePair<string, IActorRef>> Queues => _queues.ToArray();
}
