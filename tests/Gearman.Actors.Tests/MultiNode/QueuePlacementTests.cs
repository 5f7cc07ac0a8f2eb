using Akka.Actor;
using Akka.Cluster.Sharding;
using Gearman.Actors.Hosting;
using Gearman.Actors.Queues;
using Gearman.Actors.Tests.Support;

namespace Gearman.Actors.Tests.MultiNode;

/// <summary>With gearman.queues-follow-workers on, a function's queue moves to the node of its workers.</summary>
[Collection(ThreeNodeClusters.Name)]
public sealed class QueuePlacementTests : IClassFixture<SmallBufferThreeNodeCluster>
{
    private readonly SmallBufferThreeNodeCluster _cluster;

    public QueuePlacementTests(SmallBufferThreeNodeCluster cluster) => _cluster = cluster;

    [Fact]
    public async Task A_queue_moves_to_the_node_of_its_worker_and_its_jobs_run_there()
    {
        await using var admin = await _cluster.ConnectAsync(0, "admin");
        // With no worker anywhere, the queue is at its rendezvous home: node b.
        var function = await _cluster.FunctionOnNodeAsync(1, admin);
        await using var worker = await _cluster.ConnectAsync(2, "worker");
        await worker.RegisterIdleAsync(function);

        // The move is awaited on the nodes' shard regions, not by submitting: a submit that reaches the old node
        // while the shard is handed over is dropped by Akka's region (docs/cluster.md, "Where queues live").
        await Eventually.TrueAsync(() => HostsQueueAsync(2, function), "the queue moved to the worker's node c", TimeSpan.FromSeconds(30));
        var probes = new List<string>();
        for (var i = 0; i < 3; i++) probes.Add(await admin.SubmitAsync(Cmd.SubmitJobBg, function, "", "probe"));
        Assert.All(probes, p => Assert.StartsWith("H:c:", p));
        for (var i = 0; i < probes.Count; i++)
        {
            var probe = await NextJobAsync(worker);
            Assert.Contains(probe.Text(0), probes);
            worker.Send(Cmd.WorkComplete, probe.Text(0), "");
        }
        worker.Send(Cmd.GrabJob);
        await worker.ExpectAsync(Cmd.NoJob);

        await using var client = await _cluster.ConnectAsync(0, "client");
        var job = await client.SubmitAsync(Cmd.SubmitJob, function, "", "here");
        Assert.StartsWith("H:c:", job);
        var assigned = await worker.GrabAsync();
        Assert.Equal(job, assigned.Text(0));
        worker.Send(Cmd.WorkComplete, job, "done");
        var done = await client.ExpectAsync(Cmd.WorkComplete);
        Assert.Equal(new[] { job, "done" }, new[] { done.Text(0), done.Text(1) });
    }

    /// <summary>
    /// A queue longer than the shard region's buffer moves whole: one message per job overflowed the buffer, and the
    /// jobs past it were lost without a word.
    /// </summary>
    [Fact]
    public async Task A_queue_longer_than_the_regions_buffer_moves_to_its_worker_with_every_job()
    {
        await using var admin = await _cluster.ConnectAsync(0, "admin");
        var function = await _cluster.FunctionOnNodeAsync(1, admin);
        await using var client = await _cluster.ConnectAsync(0, "client");
        const int jobs = 2500;
        for (var i = 0; i < jobs; i++) client.Send(Cmd.SubmitJobBg, function, "", "job" + i);
        var handles = new HashSet<string>();
        for (var i = 0; i < jobs; i++) handles.Add((await client.ExpectAsync(Cmd.JobCreated)).Text(0));
        Assert.Equal(jobs, handles.Count);
        Assert.All(handles, h => Assert.StartsWith("H:b:", h));

        // A worker on node c draws the queue there; it then gets every job, each once.
        await using var worker = await _cluster.ConnectAsync(2, "worker");
        worker.Send(Cmd.CanDo, function);
        await Eventually.TrueAsync(() => HostsQueueAsync(2, function), "the queue moved to the worker's node c", TimeSpan.FromSeconds(30));
        var ran = new HashSet<string>();
        while (ran.Count < handles.Count)
        {
            var job = await NextJobAsync(worker);
            Assert.True(ran.Add(job.Text(0)), $"job {job.Text(0)} ran twice");
            worker.Send(Cmd.WorkComplete, job.Text(0), "");
        }
        Assert.Equal(handles.OrderBy(h => h), ran.OrderBy(h => h));
        worker.Send(Cmd.GrabJob);
        await worker.ExpectAsync(Cmd.NoJob);
    }

    /// <summary>Whether <paramref name="node"/>'s shard region hosts the shard of <paramref name="function"/>'s queue.</summary>
    private async Task<bool> HostsQueueAsync(int node, string function)
    {
        var region = ClusterSharding.Get(_cluster.Nodes[node].System).ShardRegion(GearmanBroker.QueueTypeName);
        var shard = new QueueMessageExtractor().ShardId(QueueMessageExtractor.EntityIdOf(function));
        try
        {
            var state = await region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(5));
            return state.Shards.Any(s => s.ShardId == shard);
        }
        catch (AskTimeoutException)
        {
            // The region answers only once every shard it hosts has: one that is being handed over does not.
            return false;
        }
    }

    /// <summary>
    /// GRAB_JOB until a job comes, sleeping after each NO_JOB: while a queue moves, its jobs may reach the next home
    /// after the worker's grab does, and the queue wakes its sleepers when they arrive.
    /// </summary>
    private static async Task<Packet> NextJobAsync(GearmanTestClient worker)
    {
        while (true)
        {
            worker.Send(Cmd.GrabJob);
            var answer = await worker.ReceivePacketAsync(TimeSpan.FromSeconds(10), "a job or NO_JOB");
            if (answer.Type == Cmd.JobAssign) return answer;
            Assert.Equal(Cmd.NoJob, answer.Type);
            worker.Send(Cmd.PreSleep);
            await worker.ExpectAsync(Cmd.Noop, TimeSpan.FromSeconds(10));
        }
    }
}
