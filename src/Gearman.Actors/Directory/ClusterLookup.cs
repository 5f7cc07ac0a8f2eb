using Akka.Actor;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Directory;

/// <summary>
/// Finds which function owns a handle or unique that this node does not know, by asking every node's directory,
/// then sends the follow-up command to that function's queue (which answers the connection itself). If no node
/// knows the key, the connection gets <c>notFound</c>.
/// </summary>
public sealed class ClusterLookup : UntypedActor
{
    private readonly BrokerContext _ctx;
    private readonly LookupKind _kind;
    private readonly string _key;
    private readonly Func<string, IQueueCommand> _onFound;
    private readonly IActorRef _replyTo;
    private readonly object _notFound;
    private int _expected;
    private int _answers;

    public ClusterLookup(BrokerContext ctx, LookupKind kind, string key, Func<string, IQueueCommand> onFound, IActorRef replyTo, object notFound)
    {
        _ctx = ctx;
        _kind = kind;
        _key = key;
        _onFound = onFound;
        _replyTo = replyTo;
        _notFound = notFound;
    }

    public static Props Props(BrokerContext ctx, LookupKind kind, string key, Func<string, IQueueCommand> onFound, IActorRef replyTo,
        object notFound) =>
        Akka.Actor.Props.Create(() => new ClusterLookup(ctx, kind, key, onFound, replyTo, notFound));

    protected override void PreStart()
    {
        var nodes = NodeDirectoryActor.OfAllNodes(Context);
        _expected = nodes.Count;
        foreach (var node in nodes) node.Tell(new Locate(_kind, _key, 0));
        if (_expected == 0) NotFound();
        else Context.SetReceiveTimeout(_ctx.Settings.AdminTimeout);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Located { Function: { } function }:
                _ctx.Queues.Tell(_onFound(function));
                Context.Stop(Self);
                break;
            case Located:
                if (++_answers == _expected) NotFound();
                break;
            case ReceiveTimeout:
                NotFound();
                break;
        }
    }

    private void NotFound()
    {
        _replyTo.Tell(_notFound);
        Context.Stop(Self);
    }
}
