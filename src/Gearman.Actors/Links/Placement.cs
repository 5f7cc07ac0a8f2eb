using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Links;

/// <summary>
/// Counts this node's workers per shard, tells the other nodes' placement actors when a count changes, and from
/// every node's counts publishes each shard's preferred home (<see cref="QueuePlacement"/>): the Up member with the
/// most workers for the shard's functions, ties going to the home it had, else to the rendezvous winner among them.
/// </summary>
/// <remarks>
/// A job whose queue lives with its worker crosses nodes only to reach its client: a foreground job then cost 330 µs
/// of server CPU in all, against 730 µs with the queue on the client's node and 1,360 µs with the queue on a third
/// node (docs/cluster.md). Workers are long-lived and register before work arrives, so they are the stable signal.
/// Each node is the only source of its own counts, which reach the others in order through the links, so every node
/// computes the same homes from the same counts, and no two writers ever race on one entry.
/// </remarks>
internal sealed class Placement : UntypedActor
{
    public const string Name = "gearman-placement";

    private static readonly QueueMessageExtractor Extractor = new();

    private readonly BrokerContext _ctx;
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    /// <summary>The functions each local worker connection registered, to take back when it stops.</summary>
    private readonly Dictionary<IActorRef, HashSet<string>> _registrations = new();
    /// <summary>Local workers per shard.</summary>
    private readonly Dictionary<string, int> _mine = new(StringComparer.Ordinal);
    /// <summary>The other nodes' workers per shard, as they last said.</summary>
    private readonly Dictionary<Address, Dictionary<string, int>> _theirs = new();

    public Placement(BrokerContext ctx) => _ctx = ctx;

    public static Props Props(BrokerContext ctx) => Akka.Actor.Props.Create(() => new Placement(ctx));

    protected override void PreStart() =>
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.MemberUp), typeof(ClusterEvent.MemberRemoved));

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case WorkerCanDo m:
                if (!_registrations.TryGetValue(Sender, out var functions))
                {
                    _registrations[Sender] = functions = new HashSet<string>(StringComparer.Ordinal);
                    Context.Watch(Sender);
                }
                if (functions.Add(m.Function)) Count(ShardOf(m.Function), +1);
                break;
            case WorkerCantDo m:
                if (_registrations.TryGetValue(Sender, out functions) && functions.Remove(m.Function)) Count(ShardOf(m.Function), -1);
                break;
            case Terminated t:
                if (!_registrations.Remove(t.ActorRef, out functions)) break;
                foreach (var function in functions) Count(ShardOf(function), -1);
                break;
            case ShardWorkers m:
                var node = Sender.Path.Address;
                if (!_theirs.TryGetValue(node, out var counts)) _theirs[node] = counts = new Dictionary<string, int>(StringComparer.Ordinal);
                if (m.Workers > 0) counts[m.Shard] = m.Workers;
                else counts.Remove(m.Shard);
                Publish(m.Shard);
                break;
            case ClusterEvent.MemberUp up when !up.Member.Address.Equals(_cluster.SelfAddress):
                // A member that joins learns this node's counts; the ones it hears from here on keep it current.
                foreach (var (shard, workers) in _mine) _ctx.Send(PeerOf(up.Member.Address), new ShardWorkers(shard, workers));
                PublishAll();
                break;
            case ClusterEvent.MemberRemoved removed:
                _theirs.Remove(removed.Member.Address);
                PublishAll();
                break;
        }
    }

    private void Count(string shard, int delta)
    {
        var workers = _mine.GetValueOrDefault(shard) + delta;
        if (workers > 0) _mine[shard] = workers;
        else _mine.Remove(shard);
        foreach (var member in _cluster.State.Members)
            if (member.Status == MemberStatus.Up && !member.Address.Equals(_cluster.SelfAddress))
                _ctx.Send(PeerOf(member.Address), new ShardWorkers(shard, Math.Max(workers, 0)));
        Publish(shard);
    }

    private void Publish(string shard)
    {
        var homes = _ctx.Placement.Preferred;
        var home = PreferredHome(shard, UpMembers(), homes.GetValueOrDefault(shard));
        _ctx.Placement.Preferred = home is not null ? homes.SetItem(shard, home) : homes.Remove(shard);
    }

    private void PublishAll()
    {
        var (up, before) = (UpMembers(), _ctx.Placement.Preferred);
        var homes = ImmutableDictionary.CreateBuilder<string, Address>(StringComparer.Ordinal);
        foreach (var shard in _mine.Keys.Concat(_theirs.Values.SelectMany(c => c.Keys)).Concat(before.Keys).Distinct())
            if (PreferredHome(shard, up, before.GetValueOrDefault(shard)) is { } home) homes[shard] = home;
        _ctx.Placement.Preferred = homes.ToImmutable();
    }

    /// <summary>
    /// The Up member with the most workers for <paramref name="shard"/>. The <paramref name="current"/> preference
    /// stays while it has as many workers as any other, so a worker that reconnects does not move a queue back and
    /// forth: each move gives the queue's running jobs back to run again. It also stays when no member has a worker
    /// any more: a queue whose workers left gains nothing from a move, and workers that come back (a restart, a
    /// deploy, the next batch) usually come back to the same node. Null when the shard never had a worker on an Up
    /// member: it lives at its rendezvous home.
    /// </summary>
    private Address? PreferredHome(string shard, IReadOnlyCollection<Address> up, Address? current)
    {
        Address? best = null;
        int bestWorkers = 0;
        ulong bestScore = 0;
        foreach (var node in up)
        {
            var workers = WorkersAt(node, shard);
            if (workers == 0 || workers < bestWorkers) continue;
            var score = QueueHomes.Score(shard, node);
            if (workers > bestWorkers || score > bestScore) (best, bestWorkers, bestScore) = (node, workers, score);
        }
        if (current is null || !up.Contains(current)) return best;
        return bestWorkers == 0 || WorkersAt(current, shard) == bestWorkers ? current : best;
    }

    private int WorkersAt(Address node, string shard) =>
        node.Equals(_cluster.SelfAddress) ? _mine.GetValueOrDefault(shard)
        : _theirs.TryGetValue(node, out var counts) ? counts.GetValueOrDefault(shard) : 0;

    private List<Address> UpMembers() =>
        _cluster.State.Members.Where(m => m.Status == MemberStatus.Up).Select(m => m.Address).ToList();

    private IActorRef PeerOf(Address node) =>
        ((ExtendedActorSystem)Context.System).Provider.ResolveActorRef(new RootActorPath(node) / "user" / Name);

    private static string ShardOf(string function) => Extractor.ShardId(QueueMessageExtractor.EntityIdOf(function));
}
