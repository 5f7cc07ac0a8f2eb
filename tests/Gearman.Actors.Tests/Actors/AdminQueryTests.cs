using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Gearman.Actors.Admin;
using Gearman.Actors.Directory;
using Gearman.Actors.Protocol;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Tests.Actors;

/// <summary>
/// AdminQuery lists the queues of every cluster member through each node's NodeDirectoryActor, so these tests run
/// in a one-node cluster (the ActorSystem joins itself, as the broker does) with the directory actor of
/// <see cref="QueueTestKit.Ctx"/> at its well-known path.
/// </summary>
public abstract class OneNodeClusterTestKit : QueueTestKit
{
    private static readonly Config ClusterConfig = ConfigurationFactory.ParseString("""
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        akka.remote.dot-netty.tcp.port = 0
        akka.cluster.log-info = off
        """);

    private bool _directoryStarted;

    protected OneNodeClusterTestKit() : base(ClusterConfig)
    {
        var cluster = Cluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
    }

    /// <summary>Runs one listing and returns its text.</summary>
    protected AdminText RunQuery(AdminVerb verb, long seq = 77, TimeSpan? within = null)
    {
        if (!_directoryStarted)
        {
            Sys.ActorOf(NodeDirectoryActor.Props(Ctx), NodeDirectoryActor.Name);
            _directoryStarted = true;
            AwaitCondition(() => Cluster.Get(Sys).State.Members.Any(m => m.Status == MemberStatus.Up),
                TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(20));
        }
        var probe = CreateTestProbe();
        Sys.ActorOf(AdminQuery.Props(Ctx, verb, probe.Ref, seq));
        var reply = probe.ExpectMsg<AdminText>(within ?? TimeSpan.FromSeconds(3));
        Assert.Equal(seq, reply.Seq);
        return reply;
    }
}

public sealed class AdminQueryTests : OneNodeClusterTestKit
{
    private IActorRef _zeta = null!;
    private IActorRef _alpha = null!;

    /// <summary>
    /// Two queues in one BrokerContext, "zeta" created first:
    /// zeta: 1 high + 1 normal queued, 1 normal running, 1 worker; alpha: 1 low queued (background), no workers.
    /// </summary>
    private (string Z1, string Z2, string Z3, string A1) TwoQueues()
    {
        var client = CreateTestProbe();
        var worker = CreateTestProbe();
        _zeta = Sys.ActorOf(FunctionQueue.Props(Ctx, sharded: false));
        _alpha = Sys.ActorOf(FunctionQueue.Props(Ctx, sharded: false));
        Register(worker, queue: _zeta, fn: "zeta");
        var z1 = Submit(client, "z1", unique: "uz", queue: _zeta, fn: "zeta");
        var z2 = Submit(client, "z2", queue: _zeta, fn: "zeta");
        var z3 = Submit(client, "z3", priority: Priority.High, background: true, queue: _zeta, fn: "zeta");
        var a1 = Submit(client, "a1", unique: "ua", priority: Priority.Low, background: true, queue: _alpha, fn: "alpha");
        Assert.Equal(z3, Grab(worker, queue: _zeta, fn: "zeta").Handle);
        Assert.Equal(2, Ctx.Directory.Queues.Count);
        return (z1, z2, z3, a1);
    }

    private string Query(AdminVerb verb) => RunQuery(verb).Text;

    [Fact]
    public void Status_lists_every_queue_in_name_order()
    {
        TwoQueues();

        Assert.Equal("alpha\t1\t0\t0\n" + "zeta\t3\t1\t1\n" + ".\n", Query(AdminVerb.Status));
    }

    [Fact]
    public void Status_follows_the_queues()
    {
        var (z1, _, _, _) = TwoQueues();
        var worker2 = CreateTestProbe();
        Register(worker2, queue: _zeta, fn: "zeta");
        var job = Grab(worker2, queue: _zeta, fn: "zeta");
        Assert.Equal(z1, job.Handle);

        Assert.Equal("alpha\t1\t0\t0\n" + "zeta\t3\t2\t2\n" + ".\n", Query(AdminVerb.Status));

        job.Job.Tell(Work(PacketType.WorkComplete, z1), worker2.Ref);
        AwaitHandedBack(job);

        Assert.Equal("alpha\t1\t0\t0\n" + "zeta\t2\t1\t2\n" + ".\n", Query(AdminVerb.Status));
    }

    [Fact]
    public void Priority_status_lists_queued_jobs_per_priority()
    {
        TwoQueues();

        Assert.Equal("alpha\t0\t0\t1\t0\n" + "zeta\t0\t2\t0\t1\n" + ".\n", Query(AdminVerb.PriorityStatus));
    }

    [Fact]
    public void Show_jobs_and_show_unique_jobs()
    {
        var (z1, z2, z3, a1) = TwoQueues();

        var jobs = Query(AdminVerb.ShowJobs);
        Assert.EndsWith(".\n", jobs);
        var alphaLine = $"{a1}\t0\t0\t1\n";
        var zetaLines = new[] { $"{z1}\t0\t0\t0\n", $"{z2}\t0\t0\t0\n", $"{z3}\t0\t0\t1\n" };
        Assert.Equal(1 + 3 + 1, jobs.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.StartsWith(alphaLine, jobs); // queues in name order
        foreach (var line in zetaLines) Assert.Contains(line, jobs);

        Assert.Equal("ua\nuz\n.\n", Query(AdminVerb.ShowUniqueJobs));
    }

    [Fact]
    public void Workers_lists_the_node_connections()
    {
        TwoQueues();
        Ctx.Connections.Update(new ConnectionInfo(7, "10.0.0.2", "w-1", new[] { "zeta", "alpha" }));
        Ctx.Connections.Update(new ConnectionInfo(3, "10.0.0.1", "-", Array.Empty<string>()));

        Assert.Equal("3 10.0.0.1 - :\n" + "7 10.0.0.2 w-1 : zeta alpha\n" + ".\n", Query(AdminVerb.Workers));
    }

    [Fact]
    public void No_queues_gives_just_the_end_line()
    {
        Assert.Equal(".\n", Query(AdminVerb.Status));
    }

    [Fact]
    public void A_dropped_queue_is_no_longer_listed()
    {
        TwoQueues();
        var probe = CreateTestProbe();
        _alpha.Tell(new DropFunction("alpha", probe.Ref, 1));
        Assert.Equal("OK\r\n", probe.ExpectMsg<AdminText>().Text);

        Assert.Equal("zeta\t3\t1\t1\n" + ".\n", Query(AdminVerb.Status));
    }
}

/// <summary>
/// The admin timeout is the behaviour under test, so this waits real time: a queue that never answers is noticed only
/// once the timeout has run out. It is kept short so the wait costs little.
/// </summary>
public sealed class AdminQueryTimeoutTests : OneNodeClusterTestKit
{
    public AdminQueryTimeoutTests() => UseSettings(new BrokerSettings { AdminTimeout = TimeSpan.FromMilliseconds(300) });

    [Fact]
    public void Show_jobs_leaves_out_a_queue_that_does_not_answer_after_the_admin_timeout()
    {
        var client = CreateTestProbe();
        var handle = Submit(client);
        var silent = CreateTestProbe();
        Ctx.Directory.AddQueue(new QueueSlot(new QueueEntry("ghost", silent.Ref, 0, 1, 0, 0, 0, Jobs: 1)));

        var reply = RunQuery(AdminVerb.ShowJobs, seq: 5);

        Assert.Equal("ghost", silent.ExpectMsg<GetQueueStats>().Function);
        Assert.Equal($"{handle}\t0\t0\t0\n.\n", reply.Text);
    }
}

/// <summary>
/// `status` reads the counters each queue published in its node's directory: a queue that would not answer a message
/// is listed all the same, at once, and is sent nothing (with 50,000 functions, a message to each queue made `status`
/// take most of a second). The admin timeout is long, so a listing that waited for the queue would miss the deadline.
/// </summary>
public sealed class AdminQueryPublishedCountersTests : OneNodeClusterTestKit
{
    public AdminQueryPublishedCountersTests() => UseSettings(new BrokerSettings { AdminTimeout = TimeSpan.FromSeconds(30) });

    [Fact]
    public void Status_lists_the_published_counters_without_asking_the_queues()
    {
        var client = CreateTestProbe();
        Submit(client);
        var silent = CreateTestProbe();
        Ctx.Directory.AddQueue(new QueueSlot(new QueueEntry("ghost", silent.Ref, 1, 2, 3, 4, 5, Jobs: 10)));

        var reply = RunQuery(AdminVerb.Status, seq: 5, within: TimeSpan.FromSeconds(5));

        Assert.Equal($"ghost\t10\t4\t5\n{Fn}\t1\t0\t0\n.\n", reply.Text);
        Assert.False(silent.HasMessages, "the listing sent the queue a message");
    }
}
