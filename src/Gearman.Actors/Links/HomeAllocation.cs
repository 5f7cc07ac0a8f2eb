using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;

namespace Gearman.Actors.Links;

/// <summary>
/// Places each shard on its <see cref="QueueHomes"/> home among the Up members that have a shard region, so that every
/// node knows where a queue lives without asking; rebalancing moves shards that are elsewhere (after a member joined,
/// or while their home was not yet Up) to their home, at most <see cref="MaxMoves"/> at a time.
/// </summary>
internal sealed class HomeAllocation : IActorSystemDependentAllocationStrategy
{
    private const int MaxMoves = 10;

    private readonly QueuePlacement _placement;
    private Cluster? _cluster;

    public HomeAllocation(QueuePlacement placement) => _placement = placement;

    public void Start(ActorSystem system) => _cluster = Cluster.Get(system);

    public Task<IActorRef> AllocateShard(IActorRef requester, string shardId,
        IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations)
    {
        var regions = UpRegions(currentShardAllocations);
        if (regions.Count == 0) return Task.FromResult(requester);
        var home = QueueHomes.HomeOf(shardId, regions.Keys.ToList(), _placement.Preferred);
        return Task.FromResult(regions[home]);
    }

    public Task<IImmutableSet<string>> Rebalance(IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations,
        IImmutableSet<string> rebalanceInProgress)
    {
        var regions = UpRegions(currentShardAllocations);
        var (nodes, preferred) = (regions.Keys.ToList(), _placement.Preferred);
        var moves = ImmutableHashSet.CreateBuilder<string>();
        if (nodes.Count == 0) return Task.FromResult<IImmutableSet<string>>(moves.ToImmutable());
        foreach (var (region, shards) in currentShardAllocations)
        {
            var at = AddressOf(region);
            foreach (var shard in shards)
            {
                if (moves.Count + rebalanceInProgress.Count >= MaxMoves) return Task.FromResult<IImmutableSet<string>>(moves.ToImmutable());
                if (!rebalanceInProgress.Contains(shard) && !QueueHomes.HomeOf(shard, nodes, preferred).Equals(at)) moves.Add(shard);
            }
        }
        return Task.FromResult<IImmutableSet<string>>(moves.ToImmutable());
    }

    /// <summary>The regions on Up members, by their node's address; every region when the cluster's view is not known.</summary>
    private Dictionary<Address, IActorRef> UpRegions(IImmutableDictionary<IActorRef, IImmutableList<string>> allocations)
    {
        var up = _cluster?.State.Members.Where(m => m.Status == MemberStatus.Up).Select(m => m.Address).ToHashSet();
        var regions = new Dictionary<Address, IActorRef>();
        foreach (var region in allocations.Keys)
        {
            var at = AddressOf(region);
            if (up is null || up.Contains(at)) regions[at] = region;
        }
        return regions;
    }

    private Address AddressOf(IActorRef region) =>
        region.Path.Address.HasLocalScope && _cluster is not null ? _cluster.SelfAddress : region.Path.Address;
}
