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
    /// A function with no worker on any node follows its steady submitter: its queue moves to the submitter's node,
    /// so the submits stop crossing; a worker that comes later draws it on, with every job.
    /// </summary>
    [Fact]
    public async Task A_queue_with_no_worker_moves_to_the_node_of_its_steady_submitter()
    {
        await using var admin = await _cluster.ConnectAsync(0, "admin");
        var function = await _cluster.FunctionOnNodeAsync(1, admin);
        await using var client = await _cluster.ConnectAsync(0, "client");
        var handles = new List<string>();
        for (var i = 0; i < Links.SubmitTally.Steady; i++) handles.Add(await client.SubmitAsync(Cmd.SubmitJobBg, function, "", "job" + i));
        Assert.All(handles, h => Assert.StartsWith("H:b:", h));

        await Eventually.TrueAsync(() => HostsQueueAsync(0, function), "the queue moved to the submitter's node a", TimeSpan.FromSeconds(30));
        for (var i = 0; i < 3; i++)
        {
            var handle = await client.SubmitAsync(Cmd.SubmitJobBg, function, "", "after" + i);
            Assert.StartsWith("H:a:", handle);
            handles.Add(handle);
        }

        await using var worker = await _cluster.ConnectAsync(2, "worker");
        worker.Send(Cmd.CanDo, function);
        await Eventually.TrueAsync(() => HostsQueueAsync(2, function), "the queue moved on to the worker's node c", TimeSpan.FromSeconds(30));
        await RunEachOnceAsync(worker, handles);
        worker.Send(Cmd.GrabJob);
        await worker.ExpectAsync(Cmd.NoJob);
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
        // Node b took them, or node a once the queue followed this steady submitter; node c has no part yet.
        Assert.DoesNotContain(handles, h => h.StartsWith("H:c:"));

        // A worker on node c draws the queue there; it then gets every job, each once.
        await using var worker = await _cluster.ConnectAsync(2, "worker");
        worker.Send(Cmd.CanDo, function);
        await Eventually.TrueAsync(() => HostsQueueAsync(2, function), "the queue moved to the worker's node c", TimeSpan.FromSeconds(30));
        await RunEachOnceAsync(worker, handles);
        worker.Send(Cmd.GrabJob);
        await worker.ExpectAsync(Cmd.NoJob);
    }

    /// <summary>
    /// Submits that reach the queue's old node while its shard is handed over are all answered and all run once:
    /// Akka's region drops what it buffered for the shard in that window, and the broker gives it to the region again
    /// (<see cref="HandOffRescue"/>). Clients on the old node (through its region) and on a third node (through the
    /// link) keep submitting from before the move until the next home has answered each of them 200 times.
    /// </summary>
    [Fact]
    public async Task Submits_sent_while_a_queue_moves_are_all_answered_and_all_run()
    {
        await using var admin = await _cluster.ConnectAsync(0, "admin");
        var function = await _cluster.FunctionOnNodeAsync(1, admin);
        await using var clientA = await _cluster.ConnectAsync(0, "client-a");
        await using var clientB = await _cluster.ConnectAsync(1, "client-b");
        var submitting = new[] { SubmitUntilMovedAsync(clientA, function), SubmitUntilMovedAsync(clientB, function) };
        await using var worker = await _cluster.ConnectAsync(2, "worker");
        worker.Send(Cmd.CanDo, function);
        var handles = (await Task.WhenAll(submitting)).SelectMany(h => h).ToList();
        Assert.Equal(handles.Count, handles.Distinct().Count());
        Assert.Contains(handles, h => h.StartsWith("H:b:"));

        await RunEachOnceAsync(worker, handles);
    }

    /// <summary>
    /// A worker that grabs after a job's JOB_CREATED gets that job, also while the queue moves to the worker's node:
    /// the next home holds the grab until the jobs of the former home are in. Answered at once, a grab that reached
    /// the next home before them got NO_JOB.
    /// </summary>
    [Fact]
    public async Task A_grab_after_JOB_CREATED_gets_the_job_while_its_queue_moves_to_the_worker()
    {
        await using var admin = await _cluster.ConnectAsync(0, "admin");
        var function = await _cluster.FunctionOnNodeAsync(1, admin);
        await using var client = await _cluster.ConnectAsync(0, "client");
        await using var worker = await _cluster.ConnectAsync(2, "worker");
        await worker.RegisterIdleAsync(function);
        int rounds = 0, afterMove = 0;
        var moved = Eventually.TrueAsync(() => HostsQueueAsync(2, function), "the queue moved to the worker's node c", TimeSpan.FromSeconds(60));
        // One job at a time, each grabbed as soon as it is acknowledged, until 50 rounds after the queue reached node c.
        while (afterMove < 50)
        {
            if (moved.IsFaulted) await moved;
            var handle = await client.SubmitAsync(Cmd.SubmitJobBg, function, "", "job" + rounds);
            worker.Send(Cmd.GrabJob);
            var answer = await worker.ReceivePacketAsync(TimeSpan.FromSeconds(10), $"JOB_ASSIGN for {handle}");
            Assert.True(answer.Type == Cmd.JobAssign, $"round {rounds}: the grab after JOB_CREATED for {handle} was answered with packet {answer.Type}");
            Assert.Equal(handle, answer.Text(0));
            worker.Send(Cmd.WorkComplete, handle, "");
            rounds++;
            if (moved.IsCompleted) afterMove++;
        }
        Assert.StartsWith("H:c:", await client.SubmitAsync(Cmd.SubmitJobBg, function, "", "last"));
    }

    /// <summary>
    /// Keeps 20 background submits in flight on <paramref name="client"/> until 200 were answered by node c (the
    /// worker's), then waits for the answers still due. Every answer must be JOB_CREATED, each within 15 s (a lost
    /// submit gets its QUEUE_ERROR after the 20 s request timeout).
    /// </summary>
    private static async Task<List<string>> SubmitUntilMovedAsync(GearmanTestClient client, string function)
    {
        const int window = 20, afterMove = 200;
        var handles = new List<string>();
        int sent = 0, fromC = 0;
        for (; sent < window; sent++) client.Send(Cmd.SubmitJobBg, function, "", "job" + sent);
        while (handles.Count < sent)
        {
            var answer = await client.ReceivePacketAsync(TimeSpan.FromSeconds(15), $"JOB_CREATED for submit {handles.Count}");
            Assert.True(answer.Type == Cmd.JobCreated, $"submit {handles.Count} answered with packet {answer.Type}");
            handles.Add(answer.Text(0));
            if (answer.Text(0).StartsWith("H:c:")) fromC++;
            if (fromC < afterMove) client.Send(Cmd.SubmitJobBg, function, "", "job" + sent++);
        }
        return handles;
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

    /// <summary>Runs jobs on <paramref name="worker"/> until each of <paramref name="handles"/> has run, and each only once.</summary>
    private static async Task RunEachOnceAsync(GearmanTestClient worker, ICollection<string> handles)
    {
        var ran = new HashSet<string>();
        while (ran.Count < handles.Count)
        {
            var job = await NextJobAsync(worker);
            Assert.True(ran.Add(job.Text(0)), $"job {job.Text(0)} ran twice");
            worker.Send(Cmd.WorkComplete, job.Text(0), "");
        }
        Assert.Equal(handles.OrderBy(h => h), ran.OrderBy(h => h));
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
