using Akka.Actor;
using Gearman.Actors.Directory;

namespace Gearman.Actors;

/// <summary>The node-wide pieces every broker actor on this node shares.</summary>
public sealed class BrokerContext
{
    public BrokerContext(BrokerSettings settings)
    {
        Settings = settings;
        Handles = new HandleAllocator(settings.HandlePrefix,
            settings.Durable ? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000 : 0);
    }

    public BrokerSettings Settings { get; }
    public HandleAllocator Handles { get; }
    public JobDirectory Directory { get; } = new();
    public ConnectionRegistry Connections { get; } = new();
    public MemberLosses Losses { get; } = new();

    /// <summary>The shard region of the function queues; set once the broker has started.</summary>
    public IActorRef Queues { get; internal set; } = ActorRefs.Nobody;

    /// <summary>This node's <see cref="Links.NodeLink"/>, which batches broker messages to other nodes; set once the broker has started.</summary>
    internal IActorRef Link { get; set; } = ActorRefs.Nobody;

    /// <summary>This node's <see cref="Links.Placement"/>, told of worker registrations; with the link only.</summary>
    internal IActorRef Placer { get; set; } = ActorRefs.Nobody;

    /// <summary>Each shard's preferred home, published by <see cref="Placer"/>.</summary>
    internal Links.QueuePlacement Placement { get; } = new();

    /// <summary>
    /// Sends a broker message: at once to an actor on this node, through the <see cref="Link"/> to one on another node.
    /// Every broker message to another node's actor goes this way, so messages between two actors keep their order.
    /// </summary>
    internal void Send(IActorRef target, object message, IActorRef? sender = null)
    {
        sender ??= ActorCell.GetCurrentSelfOrNoSender();
        // Without a link (the default) every reply on the hot path goes straight out, without looking at its path.
        if (Link.IsNobody() || target.Path.Address is { HasLocalScope: true }) target.Tell(message, sender);
        else Link.Tell(new Links.Outbound(target, target.Path.Address, message), sender);
    }

    /// <summary>A queue command: through the <see cref="Link"/> when the queue's home is another node, else to the shard region.</summary>
    internal void ToQueue(Queues.IQueueCommand command, IActorRef sender, Links.QueueHomes homes)
    {
        if (!Link.IsNobody() && homes.RemoteHomeOf(command.Function) is { } home) Link.Tell(new Links.Outbound(null, home, command), sender);
        else Queues.Tell(command, sender);
    }
}
