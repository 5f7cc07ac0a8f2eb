using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Event;

namespace Gearman.Actors.Persistence;

/// <summary>
/// Starts every queue that has a journal, so that pending background jobs are back in their lanes without waiting
/// for a worker or client to name the function: once when the node starts, and again whenever a member leaves the
/// cluster (its queues must start elsewhere). Starting a queue that is already running, or that has nothing
/// pending, costs one message; the latter stops again by itself.
/// </summary>
public sealed class QueueRevival : ReceiveActor
{
    public const string PersistencePrefix = "gearman-queue-";

    private sealed class Revive
    {
        public static readonly Revive Instance = new();
    }

    private readonly ILoggingAdapter _log = Context.GetLogger();

    public QueueRevival(IActorRef region, BrokerSettings settings)
    {
        ReceiveAsync<Revive>(async _ =>
        {
            var queues = await JournaledQueues.ListAsync(settings);
            foreach (var entityId in queues) region.Tell(new ShardRegion.StartEntity(entityId));
            _log.Info("event=queues-revived count={0}", queues.Count);
        });
        Receive<ClusterEvent.MemberRemoved>(_ => Self.Tell(Revive.Instance));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<ClusterEvent.CurrentClusterState>(_ => { });
    }

    public static Props Props(IActorRef region, BrokerSettings settings) =>
        Akka.Actor.Props.Create(() => new QueueRevival(region, settings));

    protected override void PreStart()
    {
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.MemberRemoved));
        Self.Tell(Revive.Instance);
    }

    protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);
}
