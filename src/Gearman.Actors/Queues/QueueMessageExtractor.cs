using Akka.Cluster.Sharding;

namespace Gearman.Actors.Queues;

/// <summary>
/// Routes every <see cref="IQueueCommand"/> to the entity of its function. Entity ids carry a prefix because a
/// function name may be empty, which sharding does not accept as an id.
/// </summary>
internal sealed class QueueMessageExtractor : HashCodeMessageExtractor
{
    /// <summary>About ten shards per node for clusters of up to ten nodes; it must never change for a cluster.</summary>
    public const int ShardCount = 100;

    public QueueMessageExtractor() : base(ShardCount) { }

    public static string EntityIdOf(string function) => "fn:" + function;

    public override string? EntityId(object message) => message is IQueueCommand c ? EntityIdOf(c.Function) : null;
}
