using Gearman.Actors.Serialization;
using Gearman.Actors.Tests.Support;

namespace Gearman.Actors.Tests.MultiNode;

/// <summary>Any node serves any client: routing, status, priority, coalescing and admin across three nodes.</summary>
/// <remarks>
/// Without the node link, each broker message between nodes crosses on its own, in one remote frame, so a payload
/// larger than the frame fails at once with the reason.
/// </remarks>
[Collection(ThreeNodeClusters.Name)]
public sealed class ClusterRoutingTests(UnlinkedThreeNodeCluster cluster) : ClusterRoutingContract(cluster), IClassFixture<UnlinkedThreeNodeCluster>
{
    [Fact]
    public async Task A_submit_too_large_to_reach_its_queue_on_another_node_fails_at_once_and_the_function_goes_on()
    {
        await using var client = await Cluster.ConnectAsync(0, "client");
        var function = await Cluster.FunctionOnNodeAsync(1, client);
        client.Send(Cmd.SubmitJob, GearmanTestClient.Latin1(function), Array.Empty<byte>(), TooLargeToCross());
        var error = await client.ExpectAsync(Cmd.Error, TimeSpan.FromSeconds(10));
        Assert.Equal("QUEUE_ERROR", error.Text(0));
        Assert.Contains("too large to cross between cluster nodes", error.Text(1));
        await client.SubmitAsync(Cmd.SubmitJobBg, function, "", "small");
        AllMembersUp();
    }

    [Fact]
    public async Task A_job_too_large_for_its_worker_on_another_node_fails_at_once_with_the_reason()
    {
        await using var client = await Cluster.ConnectAsync(0, "client");
        var function = await Cluster.FunctionOnNodeAsync(0, client);
        await using var worker = await Cluster.ConnectAsync(1, "worker");
        await worker.RegisterIdleAsync(function);
        client.Send(Cmd.OptionReq, "exceptions");
        await client.ExpectAsync(Cmd.OptionRes);

        client.Send(Cmd.SubmitJob, GearmanTestClient.Latin1(function), Array.Empty<byte>(), TooLargeToCross());
        var handle = (await client.ExpectAsync(Cmd.JobCreated, TimeSpan.FromSeconds(10))).Text(0);
        worker.Send(Cmd.GrabJob);
        await worker.ExpectAsync(Cmd.NoJob);
        var exception = await client.ExpectAsync(Cmd.WorkException);
        Assert.Equal(handle, exception.Text(0));
        Assert.Contains("too large to cross between cluster nodes", exception.Text(1));

        // The function goes on: a small job reaches the same worker.
        await client.SubmitAsync(Cmd.SubmitJobBg, function, "", "small");
        var job = await worker.GrabAsync();
        Assert.Equal("small", job.Text(2));
        AllMembersUp();
    }

    [Fact]
    public async Task A_result_too_large_for_its_client_on_another_node_arrives_as_an_exception()
    {
        await using var worker = await Cluster.ConnectAsync(0, "worker");
        var function = await Cluster.FunctionOnNodeAsync(0, worker);
        await worker.RegisterIdleAsync(function);
        await using var client = await Cluster.ConnectAsync(1, "client");
        client.Send(Cmd.OptionReq, "exceptions");
        await client.ExpectAsync(Cmd.OptionRes);

        var handle = await client.SubmitAsync(Cmd.SubmitJob, function, "", "small");
        var job = await worker.GrabAsync();
        worker.Send(Cmd.WorkComplete, GearmanTestClient.Latin1(job.Text(0)), TooLargeToCross());
        var exception = await client.ExpectAsync(Cmd.WorkException, TimeSpan.FromSeconds(10));
        Assert.Equal(handle, exception.Text(0));
        Assert.Contains("too large to cross between cluster nodes", exception.Text(1));
        AllMembersUp();
    }
}

/// <summary>
/// The same with the node link on, where broker messages between nodes go in batches; queues stay where these tests put
/// them rather than follow their workers.
/// </summary>
[Collection(ThreeNodeClusters.Name)]
public sealed class LinkedClusterRoutingTests(FixedHomesThreeNodeCluster cluster) : ClusterRoutingContract(cluster), IClassFixture<FixedHomesThreeNodeCluster>
{
    /// <summary>
    /// Through the link a payload larger than the remote frame crosses in chunks: the submit from node a to the queue on
    /// b, the assignment from b to the worker on c, and the result from c through b to a, every byte intact, every node
    /// still Up. Without chunks the same job failed at once (the unlinked cluster's tests).
    /// </summary>
    [Fact]
    public async Task A_payload_larger_than_the_remote_frame_crosses_three_nodes_both_ways_in_chunks()
    {
        var (client, worker, function) = await CrossThreeNodesBothWaysAsync(TooLargeToCross().Length);
        await using var _ = client;
        await using var __ = worker;

        // The link goes on: a small job after it crosses the same way.
        var small = await client.SubmitAsync(Cmd.SubmitJob, function, "", "small");
        var next = await worker.GrabAsync();
        Assert.Equal(small, next.Text(0));
    }
}

public abstract class ClusterRoutingContract
{
    private readonly ThreeNodeCluster _cluster;

    protected ClusterRoutingContract(ThreeNodeCluster cluster) => _cluster = cluster;

    protected ThreeNodeCluster Cluster => _cluster;

    [Fact]
    public async Task A_worker_on_one_node_runs_a_job_submitted_on_another_whose_queue_lives_on_the_third()
    {
        await using var admin = await _cluster.ConnectAsync(0, "admin");
        var function = await _cluster.FunctionOnNodeAsync(1, admin);
        await using var worker = await _cluster.ConnectAsync(0, "worker");
        await using var client = await _cluster.ConnectAsync(2, "client");
        await worker.RegisterIdleAsync(function);
        worker.Sleep();

        var handle = await client.SubmitAsync(Cmd.SubmitJob, function, "", "across");
        Assert.StartsWith("H:b:", handle);
        await worker.ExpectAsync(Cmd.Noop);
        var job = await worker.GrabAsync();
        Assert.Equal(new[] { handle, function, "across" }, new[] { job.Text(0), job.Text(1), job.Text(2) });
        worker.Send(Cmd.WorkData, handle, "partial");
        worker.Send(Cmd.WorkComplete, handle, "done");

        var data = await client.ExpectAsync(Cmd.WorkData);
        Assert.Equal("partial", data.Text(1));
        var done = await client.ExpectAsync(Cmd.WorkComplete);
        Assert.Equal(new[] { handle, "done" }, new[] { done.Text(0), done.Text(1) });
    }

    [Fact]
    public async Task Each_message_a_job_sends_between_nodes_is_counted_once_by_its_sender_and_once_by_its_receiver()
    {
        await using var admin = await _cluster.ConnectAsync(0, "admin");
        var function = await _cluster.FunctionOnNodeAsync(1, admin);
        await using var worker = await _cluster.ConnectAsync(0, "worker");
        await using var client = await _cluster.ConnectAsync(2, "client");
        await worker.RegisterIdleAsync(function);
        var (workerNode, queueNode, clientNode) =
            (RemoteTraffic.Of(_cluster.Nodes[0].System), RemoteTraffic.Of(_cluster.Nodes[1].System), RemoteTraffic.Of(_cluster.Nodes[2].System));
        long[] Counts() =>
        [
            clientNode.SentCount("S"), queueNode.ReceivedCount("S"), queueNode.SentCount("JA"), clientNode.ReceivedCount("JA"),
            queueNode.SentCount("JAS"), workerNode.ReceivedCount("JAS"), workerNode.SentCount("WE"), queueNode.ReceivedCount("WE"),
            queueNode.SentCount("WE"), clientNode.ReceivedCount("WE"),
        ];
        var before = Counts();

        var handle = await client.SubmitAsync(Cmd.SubmitJob, function, "", "counted");
        var job = await worker.GrabAsync();
        worker.Send(Cmd.WorkComplete, job.Text(0), "done");
        await client.ExpectAsync(Cmd.WorkComplete);

        // Submit, JOB_CREATED, the assignment, the worker's result and its way on to the client: one message each.
        Assert.Equal(Enumerable.Repeat(1L, before.Length), Counts().Zip(before, (after, b) => after - b));
        Assert.StartsWith("H:b:", handle);
    }

    [Fact]
    public async Task Get_status_and_cancel_find_a_job_from_any_node()
    {
        await using var a = await _cluster.ConnectAsync(0, "a");
        await using var c = await _cluster.ConnectAsync(2, "c");
        var function = await _cluster.FunctionOnNodeAsync(1, a);
        var handle = await a.SubmitAsync(Cmd.SubmitJobBg, function, "u-" + function, "x");

        Assert.Equal(("1", "0", "0", "0"), await c.GetStatusAsync(handle));
        c.Send(Cmd.GetStatusUnique, "u-" + function);
        var unique = await c.ExpectAsync(Cmd.StatusResUnique);
        Assert.Equal(new[] { "u-" + function, "1", "0" }, new[] { unique.Text(0), unique.Text(1), unique.Text(2) });

        Assert.Equal("OK\r\n", await c.AdminAsync("cancel job " + handle));
        Assert.Equal(("0", "0", "0", "0"), await a.GetStatusAsync(handle));
        Assert.Equal("ERR UNKNOWN_JOB\r\n", await a.AdminAsync("cancel job " + handle));
    }

    [Fact]
    public async Task Priority_is_global_across_functions_whose_queues_live_on_different_nodes()
    {
        await using var client = await _cluster.ConnectAsync(0, "client");
        var normalFn = await _cluster.FunctionOnNodeAsync(1, client);
        var highFn = await _cluster.FunctionOnNodeAsync(2, client);
        await client.SubmitAsync(Cmd.SubmitJobBg, normalFn, "", "normal");
        await client.SubmitAsync(Cmd.SubmitJobHighBg, highFn, "", "high");

        await using var worker = await _cluster.ConnectAsync(0, "worker");
        worker.Send(Cmd.CanDo, normalFn);
        worker.Send(Cmd.CanDo, highFn);
        var first = await worker.GrabAsync();
        Assert.Equal("high", first.Text(2));
        worker.Send(Cmd.WorkComplete, first.Text(0), "");
        var second = await worker.GrabAsync();
        Assert.Equal("normal", second.Text(2));
        worker.Send(Cmd.WorkComplete, second.Text(0), "");
    }

    [Fact]
    public async Task Clients_on_different_nodes_coalesce_on_one_unique()
    {
        await using var a = await _cluster.ConnectAsync(0, "a");
        await using var c = await _cluster.ConnectAsync(2, "c");
        var function = BrokerFixture.NewName("co");
        var h1 = await a.SubmitAsync(Cmd.SubmitJob, function, "same", "first");
        var h2 = await c.SubmitAsync(Cmd.SubmitJob, function, "same", "second");
        Assert.Equal(h1, h2);

        await using var worker = await _cluster.ConnectAsync(1, "worker");
        worker.Send(Cmd.CanDo, function);
        var job = await worker.GrabAsync();
        Assert.Equal("first", job.Text(2));
        worker.Send(Cmd.WorkComplete, h1, "shared");
        Assert.Equal("shared", (await a.ExpectAsync(Cmd.WorkComplete)).Text(1));
        Assert.Equal("shared", (await c.ExpectAsync(Cmd.WorkComplete)).Text(1));
    }

    [Fact]
    public async Task Admin_listings_on_any_node_cover_the_whole_cluster()
    {
        await using var a = await _cluster.ConnectAsync(0, "a");
        var onB = await _cluster.FunctionOnNodeAsync(1, a);
        var onC = await _cluster.FunctionOnNodeAsync(2, a);
        await a.SubmitAsync(Cmd.SubmitJobBg, onB, "", "1");
        await a.SubmitAsync(Cmd.SubmitJobHighBg, onC, "", "2");
        await a.SubmitAsync(Cmd.SubmitJobLowBg, onC, "", "3");
        await using var worker = await _cluster.ConnectAsync(1, "worker");
        worker.Send(Cmd.SetClientId, "mn-worker-" + onB);
        await worker.RegisterIdleAsync(BrokerFixture.NewName("idle"));
        worker.Send(Cmd.CanDo, onB);

        await using var admin = await _cluster.ConnectAsync(2, "admin");
        await Eventually.TrueAsync(async () => (await admin.AdminListAsync("status")).Contains($"{onB}\t1\t0\t1"),
            "status on node c shows node b's queue with its worker");
        var status = await admin.AdminListAsync("status");
        Assert.Contains($"{onC}\t2\t0\t0", status);
        Assert.Contains($"{onC}\t1\t0\t1\t0", await admin.AdminListAsync("prioritystatus"));
        var workers = await admin.AdminListAsync("workers");
        Assert.Contains(workers, l => l.Contains(" mn-worker-" + onB + " :") && l.Contains(onB));
    }

    // ------------------------------------------------------------------ payloads and the remote frame

    /// <summary>The largest payload that crosses in one message with the default 32 MiB frame, plus one byte.</summary>
    protected static byte[] TooLargeToCross() => new byte[(32 << 20) - (64 << 10) + 1];

    protected void AllMembersUp()
    {
        foreach (var (system, _, _) in _cluster.Nodes)
            Assert.Equal(3, Akka.Cluster.Cluster.Get(system).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up));
    }

    [Fact]
    public async Task Sixteen_MiB_cross_three_nodes_both_ways_byte_for_byte()
    {
        var (client, worker, _) = await CrossThreeNodesBothWaysAsync(16 << 20);
        await client.DisposeAsync();
        await worker.DisposeAsync();
    }

    /// <summary>
    /// A job of <paramref name="size"/> random bytes from a client on node a, through its queue on b, to a worker on c,
    /// and its reversed result back, each byte checked and every node still Up; returns the client and the worker.
    /// </summary>
    protected async Task<(GearmanTestClient Client, GearmanTestClient Worker, string Function)> CrossThreeNodesBothWaysAsync(int size)
    {
        await using var admin = await _cluster.ConnectAsync(0, "admin");
        var function = await _cluster.FunctionOnNodeAsync(1, admin);
        var worker = await _cluster.ConnectAsync(2, "worker");
        var client = await _cluster.ConnectAsync(0, "client");
        await worker.RegisterIdleAsync(function);
        var payload = new byte[size];
        new Random(7).NextBytes(payload);

        client.Send(Cmd.SubmitJob, GearmanTestClient.Latin1(function), Array.Empty<byte>(), payload);
        var handle = (await client.ExpectAsync(Cmd.JobCreated, TimeSpan.FromSeconds(30))).Text(0);
        Assert.StartsWith("H:b:", handle);
        var job = await worker.GrabAsync(timeout: TimeSpan.FromSeconds(30));
        Assert.Equal(payload, job.Args[2]);
        Array.Reverse(payload);
        worker.Send(Cmd.WorkComplete, GearmanTestClient.Latin1(handle), payload);
        var done = await client.ExpectAsync(Cmd.WorkComplete, TimeSpan.FromSeconds(30));
        Assert.Equal(payload, done.Args[1]);
        AllMembersUp();
        return (client, worker, function);
    }
}
