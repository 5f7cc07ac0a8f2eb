using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Gearman.Actors.Hosting;
using Gearman.Actors.Tests.Support;
using Gearman.Actors.Testing;

namespace Gearman.Actors.Tests.MultiNode;

/// <summary>
/// Three broker nodes in this process, each its own ActorSystem on loopback ports, joined into one cluster, with the
/// broker's default settings (node link on) and whatever <see cref="Settings"/> adds.
/// Node names are "a", "b" and "c", so a job handle says which node's queue allocated it.
/// </summary>
public class ThreeNodeCluster : IAsyncLifetime
{
    public static readonly string[] Names = { "a", "b", "c" };

    /// <summary>Settings every node of the cluster adds to the broker's defaults.</summary>
    protected virtual string Settings => "";

    public List<(ActorSystem System, GearmanBroker Broker, int Port)> Nodes { get; } = new();

    public async Task InitializeAsync()
    {
        var clusterPorts = Names.Select(_ => Ports.Free()).ToArray();
        var seed = $"akka.tcp://gearman@127.0.0.1:{clusterPorts[0]}";
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var starts = new List<Task<GearmanBroker>>();
        for (var i = 0; i < Names.Length; i++)
        {
            var config = ConfigurationFactory.ParseString($$"""
                gearman { listen = "127.0.0.1", port = 0, node-name = "{{Names[i]}}" }
                akka.loglevel = WARNING
                akka.remote.dot-netty.tcp.port = {{clusterPorts[i]}}
                akka.cluster.seed-nodes = ["{{seed}}"]
                {{Settings}}
                """).WithFallback(GearmanBroker.DefaultConfig);
            var system = ActorSystem.Create("gearman", config);
            starts.Add(GearmanBroker.StartAsync(system, BrokerSettings.FromConfig(config), cts.Token));
        }
        foreach (var start in starts)
        {
            var broker = await start;
            Nodes.Add((broker.System, broker, ((IPEndPoint)broker.Endpoint!).Port));
        }
        // Every node must see all three members up before a test relies on routing between them. Each node's
        // watcher hears the cluster's events: polling its state in a loop took a core from the nodes it waited on.
        var allUp = Nodes.Select(n => MembersUp.WaitAsync(n.System, Names.Length)).ToArray();
        await Task.WhenAll(allUp).WaitAsync(TimeSpan.FromSeconds(60));
        // Members up is not yet routing: each node's shard region has to find the coordinator (a singleton on the
        // oldest node) and register with it, retrying every few seconds until it is there. A probe submit through
        // every node, given room for that, keeps it out of the first submit of a test and its 5 s timeout.
        for (var i = 0; i < Nodes.Count; i++)
        {
            await using var probe = await ConnectAsync(i, "probe-" + Names[i]);
            probe.Send(Cmd.SubmitJobBg, BrokerFixture.NewName("ready"), "", "probe");
            var handle = (await probe.ExpectAsync(Cmd.JobCreated, TimeSpan.FromSeconds(45))).Text(0);
            Assert.Equal("OK\r\n", await probe.AdminAsync("cancel job " + handle));
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var (system, _, _) in Nodes) await system.Terminate().WaitAsync(TimeSpan.FromSeconds(30));
    }

    public Task<GearmanTestClient> ConnectAsync(int node, string name) =>
        GearmanTestClient.ConnectAsync("127.0.0.1", Nodes[node].Port, name);

    /// <summary>A fresh function whose queue lives on <paramref name="node"/>, found by the handle of a probe job.</summary>
    public async Task<string> FunctionOnNodeAsync(int node, GearmanTestClient via)
    {
        for (var i = 0; i < 400; i++)
        {
            var function = BrokerFixture.NewName("mn");
            var handle = await via.SubmitAsync(Cmd.SubmitJobBg, function, "", "probe");
            Assert.Equal("OK\r\n", await via.AdminAsync("cancel job " + handle));
            if (handle.StartsWith($"H:{Names[node]}:", StringComparison.Ordinal)) return function;
        }
        throw new InvalidOperationException($"no function landed on node {Names[node]} in 400 tries");
    }
}

/// <summary>
/// The test classes that start a three-node cluster each: one at a time, since three clusters forming at once on two
/// cores missed the 45 s they were given.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ThreeNodeClusters
{
    public const string Name = "three-node clusters";
}

/// <summary>Completes once a node sees the given number of members Up, from the cluster's own events.</summary>
internal sealed class MembersUp : ReceiveActor
{
    private readonly HashSet<Address> _up = new();

    public MembersUp(int count, TaskCompletionSource done)
    {
        var cluster = Cluster.Get(Context.System);
        Receive<ClusterEvent.MemberUp>(m =>
        {
            _up.Add(m.Member.Address);
            if (_up.Count < count) return;
            done.TrySetResult();
            cluster.Unsubscribe(Self);
            Context.Stop(Self);
        });
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent));
    }

    public static Task WaitAsync(ActorSystem system, int count)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        system.ActorOf(Props.Create(() => new MembersUp(count, done)));
        return done.Task;
    }
}

/// <summary>The three nodes without the node link: each broker message between nodes crosses on its own.</summary>
public sealed class UnlinkedThreeNodeCluster : ThreeNodeCluster
{
    protected override string Settings => "gearman.node-link = off";
}

/// <summary>
/// The node link on, but queues stay at their rendezvous homes instead of following their workers, so a test can
/// keep a queue on another node than its worker.
/// </summary>
public sealed class FixedHomesThreeNodeCluster : ThreeNodeCluster
{
    protected override string Settings => "gearman.queues-follow-workers = off";
}

/// <summary>
/// Queues follow their workers, and the shard regions' buffer is cut to 1,000 messages, so that a queue moving with
/// more jobs than that shows whether its jobs travel within the buffer.
/// </summary>
public sealed class SmallBufferThreeNodeCluster : ThreeNodeCluster
{
    protected override string Settings => """
        gearman.queues-follow-workers = on
        akka.cluster.sharding.buffer-size = 1000
        """;
}
