using System.Net;
using System.Reflection;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Gearman.Actors.Directory;
using Gearman.Actors.Net;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Hosting;

/// <summary>
/// Starts the broker inside an ActorSystem: the sharded function queues and the TCP listener. The system must use
/// the cluster provider; a node that is not told to join a cluster joins itself and is a one-node cluster.
/// </summary>
public sealed class GearmanBroker
{
    public const string QueueTypeName = "gearman-queue";

    private GearmanBroker(ActorSystem system, BrokerContext context, IActorRef listener, EndPoint endpoint)
    {
        System = system;
        Context = context;
        Listener = listener;
        Endpoint = endpoint;
    }

    public ActorSystem System { get; }
    public BrokerContext Context { get; }
    public IActorRef Listener { get; }
    /// <summary>The address the broker listens on (with the real port when port 0 was asked for).</summary>
    public EndPoint Endpoint { get; }

    /// <summary>The broker's HOCON defaults (config/gearman.conf), to put under an application's own config.</summary>
    public static Config DefaultConfig { get; } = LoadDefaultConfig();

    public static async Task<GearmanBroker> StartAsync(ActorSystem system, BrokerSettings settings, CancellationToken cancel = default)
    {
        var context = new BrokerContext(settings);
        await JoinAsync(system, cancel);
        context.Queues = await ClusterSharding.Get(system).StartAsync(
            QueueTypeName,
            _ => FunctionQueue.Props(context),
            ClusterShardingSettings.Create(system),
            new QueueMessageExtractor(),
            ShardAllocationStrategy.LeastShardAllocationStrategy(absoluteLimit: 10, relativeLimit: 0.1),
            HandOff.Instance);
        system.ActorOf(NodeDirectoryActor.Props(context), NodeDirectoryActor.Name);
        if (settings.Durable) system.ActorOf(Persistence.QueueRevival.Props(context.Queues, settings), "gearman-queue-revival");
        var bound = new TaskCompletionSource<EndPoint>(TaskCreationOptions.RunContinuationsAsynchronously);
        var listener = system.ActorOf(Net.Listener.Props(context, bound), "gearman-listener");
        var endpoint = await bound.Task.WaitAsync(cancel);
        // Stop taking connections first when the node shuts down. In a cluster the open ones keep working while shards
        // hand off to the other nodes; a node that is alone closes them, since their requests could only wait in the
        // shard region for a home that never comes and hold up the shutdown until its timeout.
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseServiceUnbind, "gearman-unbind", () =>
        {
            var cluster = Cluster.Get(system);
            var alone = !cluster.State.Members.Any(m => m.Status == MemberStatus.Up && !m.Address.Equals(cluster.SelfAddress));
            listener.Tell(alone ? PoisonPill.Instance : Net.Listener.StopAccepting.Instance);
            return Task.FromResult(Akka.Done.Instance);
        });
        return new GearmanBroker(system, context, listener, endpoint);
    }

    private static async Task JoinAsync(ActorSystem system, CancellationToken cancel)
    {
        var cluster = Cluster.Get(system);
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        if (system.Settings.Config.GetStringList("akka.cluster.seed-nodes").Count == 0) cluster.Join(cluster.SelfAddress);
        await up.Task.WaitAsync(cancel);
    }

    private static Config LoadDefaultConfig()
    {
        using var stream = typeof(GearmanBroker).Assembly.GetManifestResourceStream("Gearman.Actors.gearman.conf")
            ?? throw new InvalidOperationException("embedded gearman.conf missing");
        using var reader = new StreamReader(stream);
        // Sharding's and distributed data's serializers must be known before the first remote message arrives,
        // which can be earlier than ClusterSharding.Get would add them.
        return ConfigurationFactory.ParseString(reader.ReadToEnd())
            .WithFallback(ClusterSharding.DefaultConfig())
            .WithFallback(Akka.Cluster.Tools.Singleton.ClusterSingleton.DefaultConfig())
            .WithFallback(Akka.DistributedData.DistributedData.DefaultConfig());
    }
}
