using Akka.Actor;
using Akka.Cluster;

namespace Gearman.Actors.Directory;

/// <summary>
/// Answers other nodes' questions about this node's <see cref="JobDirectory"/> and connections, at a well-known
/// path. A handle or unique that is not in the local directory is looked up by asking every node (GET_STATUS,
/// `cancel job` and listings are rare, so a broadcast costs less than replicating an index on every submit).
/// </summary>
public sealed class NodeDirectoryActor : UntypedActor
{
    public const string Name = "gearman-directory";

    private readonly BrokerContext _ctx;

    public NodeDirectoryActor(BrokerContext ctx) => _ctx = ctx;

    public static Props Props(BrokerContext ctx) => Akka.Actor.Props.Create(() => new NodeDirectoryActor(ctx));

    /// <summary>The directory actors of every member that is up, this node's included.</summary>
    public static IReadOnlyList<ActorSelection> OfAllNodes(IActorContext context)
    {
        var cluster = Cluster.Get(context.System);
        return cluster.State.Members
            .Where(m => m.Status == MemberStatus.Up || m.Status == MemberStatus.WeaklyUp)
            .Select(m => context.ActorSelection(new RootActorPath(m.Address) / "user" / Name))
            .ToList();
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Locate m:
                var found = m.Kind == LookupKind.Handle
                    ? _ctx.Directory.TryGetFunctionOfHandle(m.Key, out var function)
                    : _ctx.Directory.TryGetFunctionOfUnique(m.Key, out function);
                Sender.Tell(new Located(m.Tag, found ? function : null));
                break;
            case ListNode m:
                Sender.Tell(new NodeListing(m.Tag, _ctx.Directory.Queues, _ctx.Connections.All.ToList()));
                break;
            default:
                Unhandled(message);
                break;
        }
    }
}
