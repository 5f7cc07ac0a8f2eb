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

    public void AddJob(string handle, string function, string? uniqueKey)
    {
        _functionByHandle[handle] = function;
        if (uniqueKey is not null) _functionByUnique[uniqueKey] = function;
    }

    public void RemoveJob(string handle, string function, string? uniqueKey)
    {
        _functionByHandle.TryRemove(handle, out _);
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
