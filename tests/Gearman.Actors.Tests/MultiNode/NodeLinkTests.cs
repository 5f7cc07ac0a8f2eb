using Gearman.Actors.Tests.Support;

namespace Gearman.Actors.Tests.MultiNode;

/// <summary>What only the node link needs: death notices from other nodes wait for the messages sent before them.</summary>
[Collection(ThreeNodeClusters.Name)]
public sealed class NodeLinkTests : IClassFixture<FixedHomesThreeNodeCluster>
{
    private readonly FixedHomesThreeNodeCluster _cluster;

    public NodeLinkTests(FixedHomesThreeNodeCluster cluster) => _cluster = cluster;

    /// <summary>
    /// The gearman tool's <c>-w -c 1</c>: a worker on another node than its queue sends WORK_COMPLETE and hangs up at
    /// once. Its death notice does not go through the links and can overtake the result; acted on first, it gave
    /// the finished job back to its queue and the result was dropped, so the client waited forever.
    /// </summary>
    [Fact]
    public async Task A_worker_that_hangs_up_right_after_its_result_still_delivers_it_and_the_job_does_not_run_again()
    {
        await using var admin = await _cluster.ConnectAsync(0, "admin");
        var function = await _cluster.FunctionOnNodeAsync(1, admin);
        await using var client = await _cluster.ConnectAsync(2, "client");
        const int jobs = 40, parallel = 8;

        for (var round = 0; round < jobs / parallel; round++)
        {
            var handles = new List<string>();
            for (var i = 0; i < parallel; i++) handles.Add(await client.SubmitAsync(Cmd.SubmitJob, function, "", $"r{round}j{i}"));
            var workers = Enumerable.Range(0, parallel).Select(async i =>
            {
                var worker = await _cluster.ConnectAsync(0, $"worker{round}.{i}");
                worker.Send(Cmd.CanDo, function);
                var job = await worker.GrabAsync();
                // Result and hang-up together, as one burst the server reads at once.
                worker.Send(Cmd.WorkComplete, job.Text(0), "done:" + job.Text(2));
                await worker.DisposeAsync();
                return job.Text(0);
            }).ToList();
            var ran = await Task.WhenAll(workers);
            Assert.Equal(handles.Order(), ran.Order());

            var results = new List<string>();
            for (var i = 0; i < parallel; i++)
            {
                var done = await client.ExpectAsync(Cmd.WorkComplete, TimeSpan.FromSeconds(5));
                results.Add(done.Text(0));
            }
            Assert.Equal(handles.Order(), results.Order());
        }

        // Nothing went back to the queue to run a second time. The last job's end reaches its queue just after its
        // result reaches the client, so its running count may still show for a moment; a job given back would stay
        // queued, with no worker left to take it.
        string? line = null;
        var settled = false;
        try
        {
            await Eventually.TrueAsync(async () =>
            {
                line = (await admin.AdminListAsync("status")).FirstOrDefault(l => l.StartsWith(function + "\t"));
                return line == $"{function}\t0\t0\t0";
            }, "the function's status settles", TimeSpan.FromSeconds(5));
            settled = true;
        }
        catch (Xunit.Sdk.XunitException) { }
        Assert.True(settled, $"the function's status is {line ?? "(none)"}, not 0 queued, 0 running, 0 workers");
    }
}
