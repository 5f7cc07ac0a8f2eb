using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Links;

/// <summary>
/// Which node a function's queue lives on, computed by every node alike from the cluster's Up members: the shard's
/// home is the member with the highest rendezvous score for it (<see cref="Score"/>). <see cref="HomeAllocation"/>
/// places shards by the same rule, so a node can send a queue command straight to the queue's node through its
/// <see cref="NodeLink"/>, in a batch, where the shard region would first ask where the shard lives and then send each
/// command on its own. A guess that is wrong for a moment (a member just joined or left, a shard still moving) costs
/// one more hop, never a lost message: the other node's shard region routes the command onwards.
/// One per actor that sends queue commands; it reads the cluster's state, which is an immutable snapshot.
/// </summary>
internal sealed class QueueHomes
{
    private static readonly QueueMessageExtractor Extractor = new();

    private readonly ActorSystem _system;
    private readonly QueuePlacement _placement;
    /// <summary>Taken on first use: a node without a link (an actor test's system) never asks.</summary>
    private Cluster? _cluster;
    private readonly Dictionary<string, string> _shards = new(StringComparer.Ordinal);
    private ImmutableSortedSet<Member>? _members;
    private Address[] _up = [];

    public QueueHomes(ActorSystem system, QueuePlacement placement) => (_system, _placement) = (system, placement);

    /// <summary>The node of <paramref name="function"/>'s queue when that is another node; null when it is this one.</summary>
    public Address? RemoteHomeOf(string function)
    {
        _cluster ??= Cluster.Get(_system);
        var members = _cluster.State.Members;
        if (!ReferenceEquals(members, _members))
        {
            _members = members;
            _up = members.Where(m => m.Status == MemberStatus.Up).Select(m => m.Address).ToArray();
        }
        if (_up.Length < 2) return null;
        if (!_shards.TryGetValue(function, out var shard))
        {
            if (_shards.Count > 4096) _shards.Clear();
            _shards[function] = shard = Extractor.ShardId(QueueMessageExtractor.EntityIdOf(function));
        }
        var home = HomeOf(shard, _up, _placement.Preferred);
        return home.Equals(_cluster.SelfAddress) ? null : home;
    }

    /// <summary>
    /// The member of <paramref name="nodes"/> (at least one) that is <paramref name="shard"/>'s home: its preferred
    /// home (with its workers, <see cref="Placement"/>) when that is one of them, else its rendezvous home.
    /// </summary>
    public static Address HomeOf(string shard, IReadOnlyList<Address> nodes, IReadOnlyDictionary<string, Address> preferred)
    {
        if (preferred.TryGetValue(shard, out var home))
            for (var i = 0; i < nodes.Count; i++)
                if (nodes[i].Equals(home)) return home;
        return RendezvousHome(shard, nodes);
    }

    /// <summary>The member of <paramref name="nodes"/> (at least one) with the highest <see cref="Score"/> for <paramref name="shard"/>.</summary>
    public static Address RendezvousHome(string shard, IReadOnlyList<Address> nodes)
    {
        var best = nodes[0];
        var bestScore = Score(shard, best);
        for (var i = 1; i < nodes.Count; i++)
        {
            var score = Score(shard, nodes[i]);
            if (score > bestScore) (best, bestScore) = (nodes[i], score);
        }
        return best;
    }

    /// <summary>
    /// Rendezvous (highest random weight) hashing: a member that joins takes from each other member an equal share
    /// of the shards, and one that leaves gives its shards to the others evenly, with no other shard moving.
    /// Stable across processes (FNV-1a, then a finalizer), unlike string.GetHashCode.
    /// </summary>
    internal static ulong Score(string shard, Address node)
    {
        var h = 14695981039346656037UL;
        foreach (var c in shard) h = (h ^ c) * 1099511628211UL;
        h = (h ^ '@') * 1099511628211UL;
        foreach (var c in node.Host ?? "") h = (h ^ c) * 1099511628211UL;
        h = (h ^ (ulong)(node.Port ?? 0)) * 1099511628211UL;
        h ^= h >> 33; h *= 0xff51afd7ed558ccdUL; h ^= h >> 33; h *= 0xc4ceb9fe1a85ec53UL; h ^= h >> 33;
        return h;
    }
}
