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
}
