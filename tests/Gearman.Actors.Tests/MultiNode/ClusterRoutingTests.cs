using Gearman.Actors.Tests.Support;

namespace Gearman.Actors.Tests.MultiNode;

/// <summary>Any node serves any client: routing, status, priority, coalescing and admin across three nodes.</summary>
public sealed class ClusterRoutingTests : IClassFixture<ThreeNodeCluster>
{
    private readonly ThreeNodeCluster _cluster;

    public ClusterRoutingTests(ThreeNodeCluster cluster) => _cluster = cluster;

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
}
