using System.Collections.Immutable;
using Akka.Actor;

namespace Gearman.Actors.Links;

/// <summary>
/// Each shard's preferred home, as this node's <see cref="Placement"/> last computed it: an immutable snapshot that
/// only the placement actor replaces, read by <see cref="QueueHomes"/> and <see cref="HomeAllocation"/> as they read
/// the cluster's state. A shard that never had a worker or a steady submitter on an Up member has no entry and lives
/// at its rendezvous home.
/// </summary>
internal sealed class QueuePlacement
{
    private volatile ImmutableDictionary<string, Address> _preferred = ImmutableDictionary.Create<string, Address>(StringComparer.Ordinal);

    public ImmutableDictionary<string, Address> Preferred
    {
        get => _preferred;
        set => _preferred = value;
    }
}
