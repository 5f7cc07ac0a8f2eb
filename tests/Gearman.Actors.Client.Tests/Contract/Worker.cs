using Gearman.Actors.Client.Tests.Support;

namespace Gearman.Actors.Client.Tests.Contract;

// The worker: its concurrency limit, graceful stop and CAN_DO_TIMEOUT.
public abstract partial class ClientWorkerContract<TServer>
{
    [SkippableFact]
    public async Task A_worker_never_runs_more_jobs_at_once_than_its_limit()
    {
        Server.RequireAvailable();
        var f = NewName("limit");
        var client = NewClient();
        for (var i = 0; i < 6; i++) await client.SubmitBackgroundAsync(f, Bytes($"{i}")).Within("JOB_CREATED");

        var running = 0;
        var maxRunning = 0;
        var finished = 0;
        var threeRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var allFinished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await StartWorkerAsync(w => w.Register(f, async (job, _) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref maxRunning, now);
            if (now == 3) threeRunning.TrySetResult();
            await gate.Task;
            Interlocked.Decrement(ref running);
            if (Interlocked.Increment(ref finished) == 6) allFinished.TrySetResult();
            return job.Payload;
        }), concurrency: 3);

        await threeRunning.Task.Within("three jobs running");
        // The server agrees: three assigned, three still queued, while all three handlers are blocked.
        var status = await ServerAdmin.StatusAsync(Server, f);
        Assert.Equal((6, 3), (status.Total, status.Running));

        gate.SetResult();
        await allFinished.Task.Within("all six jobs");
        Assert.Equal(3, Volatile.Read(ref maxRunning));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }

    [SkippableFact]
    public async Task Stopping_a_worker_finishes_the_job_it_holds_then_takes_no_more()
    {
        Server.RequireAvailable();
        var f = NewName("stop");
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var worker = await StartWorkerAsync(w => w.Register(f, async (job, ct) =>
        {
            started.TrySetResult();
            await gate.Task;
            // A graceful stop leaves the handler's token alone.
            Assert.False(ct.IsCancellationRequested);
            return Bytes("finished");
        }));
        var client = NewClient();
        var result = client.SubmitAsync(f, Bytes("x"));
        await started.Task.Within("the job to start");

        var stop = worker.StopAsync();
        Assert.False(stop.IsCompleted, "the stop must wait for the held job");
        gate.SetResult();
        await stop.Within("the stop");
        Assert.Equal("finished", Text(await result.Within("the held job's result")));

        // Gone from the server: a new job stays queued with no worker to take it.
        await Waits.UntilAsync(async () => (await ServerAdmin.StatusAsync(Server, f)).Workers == 0, "the worker leaves");
        var handle = await client.SubmitBackgroundAsync(f, Bytes("later")).Within("JOB_CREATED");
        Assert.Equal(new JobStatus(handle, true, false, 0, 0), await client.GetStatusAsync(handle).Within("STATUS_RES"));
    }

    [SkippableFact]
    public async Task A_job_held_past_its_can_do_timeout_is_given_to_another_connection()
    {
        Server.RequireAvailable();
        var f = NewName("timeout");
        var attempts = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Two jobs at once with a timeout: two connections of one job each.
        await StartWorkerAsync(w => w.Register(f, async (job, _) =>
        {
            if (Interlocked.Increment(ref attempts) == 1)
            {
                // The first attempt outlives the 1 s timeout; the server requeues the job meanwhile.
                await release.Task;
                return Bytes("too late");
            }
            return Bytes("second attempt");
        }, timeout: TimeSpan.FromSeconds(1)), concurrency: 2);

        try
        {
            var result = await NewClient().SubmitAsync(f, Bytes("x")).Within("the requeued job's result");
            Assert.Equal("second attempt", Text(result));
            Assert.Equal(2, Volatile.Read(ref attempts));
        }
        finally
        {
            release.TrySetResult();
        }
    }
}
