using Akka.Actor;

namespace Gearman.Actors.Directory;

public enum LookupKind : byte
{
    Handle,
    Unique,
}

/// <summary>Asks a node which function owns a job handle or unique; answered with <see cref="Located"/>.</summary>
public sealed record Locate(LookupKind Kind, string Key, long Tag);

/// <summary><paramref name="Function"/> is null when the node does not know the key.</summary>
public sealed record Located(long Tag, string? Function);

/// <summary>Asks a node for its live queues, with their counters, and its connections; answered with <see cref="NodeListing"/>.</summary>
public sealed record ListNode(long Tag);

/// <summary>
/// One queue as `status` and `prioritystatus` show it: what its queue last published (see <see cref="QueueSlot"/>).
/// <paramref name="Jobs"/> counts the jobs it holds, so `show jobs` asks only the queues that have some.
/// </summary>
public sealed record QueueEntry(string Function, IActorRef Queue, int High, int Normal, int Low, int Running, int Workers, int Jobs)
{
    public int Total => High + Normal + Low + Running;
}

public sealed record NodeListing(long Tag, IReadOnlyList<QueueEntry> Queues, IReadOnlyList<ConnectionInfo> Connections);
