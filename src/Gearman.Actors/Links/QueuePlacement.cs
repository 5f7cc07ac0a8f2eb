using System.Collections.Immutable;
using Akka.Actor;

namespace Gearman.Actors.Links;

/// <summary>
/// Each shard's preferred home, as this node's <see cref="Placement"/> last computed it: an immutable snapshot that
/// only the placement actor replaces, read by <see cref="QueueHomes"/> and <see cref="HomeAllocation"/> as they read
/// the cluster's state. A shard that never had a worker or a steady submitter on an Up member has no entry and lives
/// at its rendezvous home. It also keeps the shards whose home became this node from another one a moment ago
/// (<see cref="Arriving"/>), which a queue starting here reads to know that its former home is sending its jobs.
/// </summary>
internal sealed class QueuePlacement
{
    /// <summary>How long after its home became this node a shard counts as arriving: a move follows within seconds.</summary>
    internal static readonly TimeSpan ArrivalWindow = TimeSpan.FromSeconds(15);

    private volatile ImmutableDictionary<string, Address> _preferred = ImmutableDictionary.Create<string, Address>(StringComparer.Ordinal);
    /// <summary>Shards whose home became this node, with the tick count until which they count as arriving.</summary>
    private volatile ImmutableDictionary<string, long> _arrivals = ImmutableDictionary.Create<string, long>(StringComparer.Ordinal);

    public ImmutableDictionary<string, Address> Preferred
    {
        get => _preferred;
        set => _preferred = value;
    }

    /// <summary>Whether <paramref name="shard"/>'s home became this node from another within <see cref="ArrivalWindow"/>.</summary>
    public bool Arriving(string shard) => _arrivals.TryGetValue(shard, out var until) && Environment.TickCount64 < until;

    /// <summary>From the placement actor only: <paramref name="shard"/>'s home has just become this node.</summary>
    internal void NoteArrival(string shard)
    {
        var now = Environment.TickCount64;
        var arrivals = _arrivals;
        // Old entries go when a new one comes, so the map holds only the shards that moved lately.
        foreach (var (old, until) in arrivals)
            if (until <= now) arrivals = arrivals.Remove(old);
        _arrivals = arrivals.SetItem(shard, now + (long)ArrivalWindow.TotalMilliseconds);
    }
}
