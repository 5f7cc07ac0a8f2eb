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

/// <summary>Asks a node for its live queues and its connections; answered with <see cref="NodeListing"/>.</summary>
public sealed record ListNode(long Tag);

public sealed record QueueEntry(string Function, IActorRef Queue);

public sealed record NodeListing(long Tag, IReadOnlyList<QueueEntry> Queues, IReadOnlyList<ConnectionInfo> Connections);
