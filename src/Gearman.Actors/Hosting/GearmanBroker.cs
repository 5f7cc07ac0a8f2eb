using System.Net;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Akka.Event;
using Gearman.Actors.Directory;
using Gearman.Actors.InProcess;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Hosting;

/// <summary>
/// Starts the broker inside an ActorSystem: the sharded function queues, the in-process gateway and (unless told
/// otherwise) the TCP listener. The system must use the cluster provider; a node that is not told to join a cluster
/// joins itself and is a one-node cluster. The standalone server and the Akka.Hosting extension both start the
/// broker through <see cref="StartAsync(ActorSystem, BrokerSettings, BrokerStartup, CancellationToken)"/>.
/// </summary>
public sealed class GearmanBroker
{
    public const string QueueTypeName = "gearman-queue";
    public const string GatewayName = "gearman-in-process";

    private GearmanBroker(ActorSystem system, BrokerContext context, IActorRef? listener, EndPoint? endpoint, IActorRef gateway)
    {
        System = system;
        Context = context;
        Listener = listener;
        Endpoint = endpoint;
        Gateway = gateway;
        InProcess = new GearmanInProcessBroker(gateway);
    }

    public ActorSystem System { get; }
    public BrokerContext Context { get; }
    /// <summary>The TCP listener; null when the broker was started without one.</summary>
    public IActorRef? Listener { get; }
    /// <summary>The address the broker listens on (with the real port when port 0 was asked for); null without a listener.</summary>
    public EndPoint? Endpoint { get; }
    /// <summary>The actor that supervises in-process client requests and workers.</summary>
    public IActorRef Gateway { get; }
    /// <summary>Submits jobs and runs workers in this process, with no TCP in between.</summary>
    public IGearmanBroker InProcess { get; }

    /// <summary>The broker's HOCON defaults (config/gearman.conf), to put under an application's own config.</summary>
    public static Config DefaultConfig { get; } = LoadDefaultConfig();

    /// <summary>
    /// An application's config with everything the broker needs under it: the defaults of config/gearman.conf and,
    /// when <c>gearman.queue-type</c> is sqlite or postgres, the SQL journal and snapshot store.
    /// </summary>
    public static Config CompleteConfig(Config application) =>
        Persistence.StoreConfig.Apply(application.WithFallback(DefaultConfig));

    /// <summary>
    /// <see cref="CompleteConfig"/> as the setup to create the ActorSystem with, plus what the store needs beyond
    /// HOCON (a SQLite store's busy timeout, without which a writer that meets another's lock stalls for 150 ms).
    /// </summary>
    public static ActorSystemSetup CompleteSetup(Config application)
    {
        var config = CompleteConfig(application);
        var setup = ActorSystemSetup.Create(BootstrapSetup.Create().WithConfig(config));
        return Persistence.StoreConfig.DataOptionsSetup(config) is { } store ? setup.And(store) : setup;
    }

    /// <summary>Completes when a broker has started in <paramref name="system"/>, whichever path started it.</summary>
    public static Task<GearmanBroker> WhenStarted(ActorSystem system) => StartedBrokers.Get(system).Started;

    public static Task<GearmanBroker> StartAsync(ActorSystem system, BrokerSettings settings, CancellationToken cancel = default) =>
        StartAsync(system, settings, BrokerStartup.Default, cancel);

    public static async Task<GearmanBroker> StartAsync(ActorSystem system, BrokerSettings settings, BrokerStartup startup,
        CancellationToken cancel = default)
    {
        if (system is ExtendedActorSystem { Provider: not Akka.Cluster.ClusterActorRefProvider })
            throw new InvalidOperationException("the Gearman broker needs akka.actor.provider = cluster (its queues are sharded)");
        var context = new BrokerContext(settings);
        await JoinAsync(system, startup.JoinSelfWithoutSeedNodes, cancel);
        context.Queues = await ClusterSharding.Get(system).StartAsync(
            QueueTypeName,
            _ => FunctionQueue.Props(context),
            ClusterShardingSettings.Create(system),
            new QueueMessageExtractor(),
            settings.NodeLink
                ? new Links.HomeAllocation(context.Placement)
                : ShardAllocationStrategy.LeastShardAllocationStrategy(absoluteLimit: 10, relativeLimit: 0.1),
            HandOff.Instance);
        system.ActorOf(HandOffRescue.Props(context.Queues), HandOffRescue.Name);
        // Without the link, BrokerContext.Send and ToQueue tell their targets and the shard region directly.
        if (settings.NodeLink)
        {
            context.Link = system.ActorOf(Links.NodeLink.Props(context), Links.NodeLink.Name);
            if (settings.QueuesFollowWorkers) context.Placer = system.ActorOf(Links.Placement.Props(context), Links.Placement.Name);
        }
        system.ActorOf(NodeDirectoryActor.Props(context), NodeDirectoryActor.Name);
        system.ActorOf(MemberLossWatcher.Props(context.Losses), "gearman-member-losses");
        if (settings.Durable) system.ActorOf(Persistence.QueueRevival.Props(context.Queues, settings), "gearman-queue-revival");
        var gateway = system.ActorOf(InProcessGateway.Props(context), GatewayName);
        LogRemoteTrafficOnShutdown(system);
        if (settings.Durable) await WarmUpStoreAsync(system, settings, cancel);
        var (listener, endpoint) = startup.Listen ? await ListenAsync(system, context, cancel) : (null, null);
        var broker = new GearmanBroker(system, context, listener, endpoint, gateway);
        StartedBrokers.Get(system).Announce(broker);
        return broker;
    }

    private static async Task<(IActorRef?, EndPoint?)> ListenAsync(ActorSystem system, BrokerContext context, CancellationToken cancel)
    {
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
        return (listener, endpoint);
    }

    /// <summary>
    /// One <c>event=remote-traffic</c> line when the node stops, after its shards have handed off: what this node sent
    /// to and received from other nodes, per message type (<see cref="Serialization.RemoteTraffic"/>). A node that never
    /// exchanged a broker message with another writes none.
    /// </summary>
    private static void LogRemoteTrafficOnShutdown(ActorSystem system) =>
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate, "gearman-remote-traffic", () =>
        {
            var traffic = Serialization.RemoteTraffic.Of(system);
            if (traffic.Any) system.Log.Info("event=remote-traffic {0}", traffic.Fields());
            return Task.FromResult(Akka.Done.Instance);
        });

    /// <summary>
    /// Takes the store's first-use costs before the first client can submit; a store too slow to answer in time is
    /// left to warm up on its own, since refusing to start would not make it faster.
    /// </summary>
    private static async Task WarmUpStoreAsync(ActorSystem system, BrokerSettings settings, CancellationToken cancel)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        system.ActorOf(Persistence.StoreWarmup.Props(settings, Cluster.Get(system).SelfAddress, done), "gearman-store-warmup");
        try
        {
            await done.Task.WaitAsync(TimeSpan.FromSeconds(15), cancel);
        }
        catch (TimeoutException)
        {
            system.Log.Warning("event=store-warmup-slow after=15s");
        }
    }

    private static async Task JoinAsync(ActorSystem system, bool joinSelf, CancellationToken cancel)
    {
        var cluster = Cluster.Get(system);
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        if (joinSelf && system.Settings.Config.GetStringList("akka.cluster.seed-nodes").Count == 0) cluster.Join(cluster.SelfAddress);
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
