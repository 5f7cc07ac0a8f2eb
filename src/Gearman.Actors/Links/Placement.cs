using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Links;

/// <summary>
/// Counts this node's workers, and its steady submitters, per shard, tells the other nodes' placement actors when a
/// count changes, and from every node's counts publishes each shard's preferred home (<see cref="QueuePlacement"/>):
/// the Up member with the most workers for the shard's functions, ties going to the home it had, else to the
/// rendezvous winner among them; a worker's registration counts once it has lasted 1 s. A shard that has never had a
/// worker on an Up member goes to the member with the most steady submitters (<see cref="SubmitTally"/>) by the same
/// rule.
/// </summary>
/// <remarks>
/// A job whose queue lives with its worker crosses nodes only to reach its client: a foreground job then cost 330 µs
/// of server CPU in all, against 730 µs with the queue on the client's node and 1,360 µs with the queue on a third
/// node (docs/cluster.md). Workers are long-lived and register before work arrives, so they are the stable signal.
/// Without a worker, a background job submitted where its queue lives crosses no node until a worker comes, and
/// then the queue moves to the worker once, with all its jobs. Each node is the only source of its own counts, which
/// reach the others in order through the links, so every node computes the same homes from the same counts, and no
/// two writers ever race on one entry.
/// </remarks>
internal sealed class Placement : UntypedActor, IWithTimers
{
    public const string Name = "gearman-placement";

    private static readonly QueueMessageExtractor Extractor = new();

    /// <summary>How long a worker's registration must last before it counts.</summary>
    private static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(1);

    private readonly BrokerContext _ctx;
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    /// <summary>Registrations not yet counted, per worker connection (<see cref="SettleTime"/>).</summary>
    private readonly Dictionary<IActorRef, HashSet<string>> _pending = new();
    /// <summary>The functions each local worker connection registered, to take back when it stops.</summary>
    private readonly Dictionary<IActorRef, HashSet<string>> _registrations = new();
    /// <summary>The functions each local client connection submits to steadily, to take back when it stops.</summary>
    private readonly Dictionary<IActorRef, HashSet<string>> _submissions = new();
    /// <summary>Local workers and steady submitters per shard.</summary>
    private readonly Dictionary<string, ShardCount> _mine = new(StringComparer.Ordinal);
    /// <summary>The other nodes' counts per shard, as they last said.</summary>
    private readonly Dictionary<Address, Dictionary<string, ShardCount>> _theirs = new();

    private readonly record struct ShardCount(int Workers, int Submitters)
    {
        public bool IsEmpty => Workers <= 0 && Submitters <= 0;
    }

    public Placement(BrokerContext ctx) => _ctx = ctx;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>The placement actor's timer: <paramref name="Worker"/> still does <paramref name="Function"/> after <see cref="SettleTime"/>.</summary>
    private sealed record WorkerSettled(IActorRef Worker, string Function);

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
                // Counted once it has lasted: a worker that comes and goes within a second (a script, a test, a
                // reconnect) would move queues back and forth, and each move repeats the jobs running in it.
                if (Track(_pending, Sender, m.Function)) Timers.StartSingleTimer((Sender, m.Function), new WorkerSettled(Sender, m.Function), SettleTime);
                break;
            case WorkerSettled m:
                if (!_pending.TryGetValue(m.Worker, out var waiting) || !waiting.Remove(m.Function)) break;
                if (waiting.Count == 0) _pending.Remove(m.Worker);
                if (Track(_registrations, m.Worker, m.Function)) Count(ShardOf(m.Function), workers: +1, submitters: 0);
                break;
            case WorkerCantDo m:
                if (_pending.TryGetValue(Sender, out waiting) && waiting.Remove(m.Function)) Timers.Cancel((Sender, m.Function));
                if (_registrations.TryGetValue(Sender, out var functions) && functions.Remove(m.Function))
                    Count(ShardOf(m.Function), workers: -1, submitters: 0);
                break;
            case ClientSubmits m:
                if (Track(_submissions, Sender, m.Function)) Count(ShardOf(m.Function), workers: 0, submitters: +1);
                break;
            case Terminated t:
                if (_pending.Remove(t.ActorRef, out var unsettled))
                    foreach (var function in unsettled) Timers.Cancel((t.ActorRef, function));
                if (_registrations.Remove(t.ActorRef, out functions))
                    foreach (var function in functions) Count(ShardOf(function), workers: -1, submitters: 0);
                if (_submissions.Remove(t.ActorRef, out functions))
                    foreach (var function in functions) Count(ShardOf(function), workers: 0, submitters: -1);
                break;
            case ShardCounts m:
                var node = Sender.Path.Address;
                if (!_theirs.TryGetValue(node, out var counts)) _theirs[node] = counts = new Dictionary<string, ShardCount>(StringComparer.Ordinal);
                var count = new ShardCount(m.Workers, m.Submitters);
                if (!count.IsEmpty) counts[m.Shard] = count;
                else counts.Remove(m.Shard);
                Publish(m.Shard);
                break;
            case ClusterEvent.MemberUp up when !up.Member.Address.Equals(_cluster.SelfAddress):
                // A member that joins learns this node's counts; the ones it hears from here on keep it current.
                foreach (var (shard, mine) in _mine) _ctx.Send(PeerOf(up.Member.Address), new ShardCounts(shard, mine.Workers, mine.Submitters));
                PublishAll();
                break;
            case ClusterEvent.MemberRemoved removed:
                _theirs.Remove(removed.Member.Address);
                PublishAll();
                break;
        }
    }

    /// <summary>Notes that <paramref name="connection"/> does <paramref name="function"/>; true when that is new.</summary>
    private bool Track(Dictionary<IActorRef, HashSet<string>> byConnection, IActorRef connection, string function)
    {
        if (!byConnection.TryGetValue(connection, out var functions))
        {
            byConnection[connection] = functions = new HashSet<string>(StringComparer.Ordinal);
            Context.Watch(connection);
        }
        return functions.Add(function);
    }

    private void Count(string shard, int workers, int submitters)
    {
        var before = _mine.GetValueOrDefault(shard);
        var count = new ShardCount(Math.Max(before.Workers + workers, 0), Math.Max(before.Submitters + submitters, 0));
        if (!count.IsEmpty) _mine[shard] = count;
        else _mine.Remove(shard);
        foreach (var member in _cluster.State.Members)
            if (member.Status == MemberStatus.Up && !member.Address.Equals(_cluster.SelfAddress))
                _ctx.Send(PeerOf(member.Address), new ShardCounts(shard, count.Workers, count.Submitters));
        Publish(shard);
    }

    private void Publish(string shard)
    {
        var (up, before) = (UpMembers(), _ctx.Placement.Preferred);
        var home = PreferredHome(shard, up, before.GetValueOrDefault(shard));
        var after = home is not null ? before.SetItem(shard, home) : before.Remove(shard);
        _ctx.Placement.Preferred = after;
        // The queues of a shard that comes here hold their grabs until the former home's jobs are in (FunctionQueue).
        if (up.Count > 1 && QueueHomes.HomeOf(shard, up, after).Equals(_cluster.SelfAddress) &&
            !QueueHomes.HomeOf(shard, up, before).Equals(_cluster.SelfAddress))
            _ctx.Placement.NoteArrival(shard);
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
    /// deploy, the next batch) usually come back to the same node. A shard with no preference and no worker goes to
    /// the member with the most steady submitters; null when it has none either: it lives at its rendezvous home.
    /// </summary>
    private Address? PreferredHome(string shard, IReadOnlyCollection<Address> up, Address? current)
    {
        var (best, bestWorkers) = Most(shard, up, static c => c.Workers);
        var stays = current is not null && up.Contains(current);
        if (bestWorkers == 0) return stays ? current : Most(shard, up, static c => c.Submitters).Node;
        return stays && CountAt(current!, shard).Workers == bestWorkers ? current : best;
    }

    /// <summary>The Up member with the highest <paramref name="of"/> count for the shard (ties to the higher rendezvous score), and that count.</summary>
    private (Address? Node, int Count) Most(string shard, IReadOnlyCollection<Address> up, Func<ShardCount, int> of)
    {
        Address? best = null;
        int bestCount = 0;
        ulong bestScore = 0;
        foreach (var node in up)
        {
            var count = of(CountAt(node, shard));
            if (count == 0 || count < bestCount) continue;
            var score = QueueHomes.Score(shard, node);
            if (count > bestCount || score > bestScore) (best, bestCount, bestScore) = (node, count, score);
        }
        return (best, bestCount);
    }

    private ShardCount CountAt(Address node, string shard) =>
        node.Equals(_cluster.SelfAddress) ? _mine.GetValueOrDefault(shard)
        : _theirs.TryGetValue(node, out var counts) ? counts.GetValueOrDefault(shard) : default;

    private List<Address> UpMembers() =>
        _cluster.State.Members.Where(m => m.Status == MemberStatus.Up).Select(m => m.Address).ToList();

    private IActorRef PeerOf(Address node) =>
        ((ExtendedActorSystem)Context.System).Provider.ResolveActorRef(new RootActorPath(node) / "user" / Name);

    private static string ShardOf(string function) => Extractor.ShardId(QueueMessageExtractor.EntityIdOf(function));
}
