using Akka.Actor;
using Akka.Cluster;

namespace Gearman.Actors.Directory;

/// <summary>
/// When this node last saw another member removed from the cluster. A request that was in flight to a queue on that
/// member then has no answer coming: its message was lost with the node, or went there before the region learnt the
/// node was gone. Connections read this to answer such requests soon after the removal instead of at their full
/// request timeout.
/// </summary>
public sealed class MemberLosses
{
    private long _lastRemovedAtMs = long.MinValue;

    /// <summary><see cref="Environment.TickCount64"/> at the last removal, or <see cref="long.MinValue"/> for none.</summary>
    public long LastRemovedAtMs => Volatile.Read(ref _lastRemovedAtMs);

    public void Record(long nowMs) => Volatile.Write(ref _lastRemovedAtMs, nowMs);
}

/// <summary>Records every removal of another member in the node's <see cref="MemberLosses"/>.</summary>
public sealed class MemberLossWatcher : UntypedActor
{
    private readonly MemberLosses _losses;

    public MemberLossWatcher(MemberLosses losses) => _losses = losses;

    public static Props Props(MemberLosses losses) => Akka.Actor.Props.Create(() => new MemberLossWatcher(losses));

    protected override void PreStart() =>
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.MemberRemoved));

    protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);

    protected override void OnReceive(object message)
    {
        if (message is ClusterEvent.MemberRemoved removed && !removed.Member.Address.Equals(Cluster.Get(Context.System).SelfAddress))
            _losses.Record(Environment.TickCount64);
    }
}
