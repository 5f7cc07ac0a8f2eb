using Gearman.Actors.Client.Tests.Support;

namespace Gearman.Actors.Client.Tests.Contract;

// Submitting jobs and reading what comes back: results, events, failures, status, unique ids, priorities.
public abstract partial class ClientWorkerContract<TServer>
{
    [SkippableFact]
    public async Task A_foreground_job_returns_the_workers_result()
    {
        Server.RequireAvailable();
        var f = NewName("rev");
        await StartReverserAsync(f);
        var client = NewClient();

        var result = await client.SubmitAsync(f, Bytes("hello")).Within("the result");

        Assert.Equal("olleh", Text(result));
        Assert.Equal(ServerAddress.Parse(Server.Address), client.ConnectedServer);
    }

    [SkippableFact]
    public async Task Data_status_and_warning_events_reach_the_client_in_the_order_the_worker_sent_them()
    {
        Server.RequireAvailable();
        var f = NewName("events");
        await StartWorkerAsync(w => w.Register(f, async (job, _) =>
        {
            await job.SendDataAsync(Bytes("a"));
            await job.SendStatusAsync(1, 3);
            await job.SendWarningAsync(Bytes("careful"));
            await job.SendDataAsync(Bytes("b"));
            await job.SendStatusAsync(3, 3);
            return Bytes("done");
        }));
        var expected = new[] { "Data \"a\"", "Status 1/3", "Warning \"careful\"", "Data \"b\"", "Status 3/3" };
        var client = NewClient();

        // Through IProgress: reported on the read loop, so in wire order.
        var progress = new RecordingProgress(expected.Length);
        var result = await client.SubmitAsync(f, Bytes("x"), progress: progress).Within("the result");
        Assert.Equal("done", Text(result));
        Assert.Equal(expected, progress.Events.Select(e => e.ToString()));

        // Through the event stream of a started job.
        var job = await client.StartJobAsync(f, Bytes("y")).Within("JOB_CREATED");
        Assert.NotEmpty(job.Handle);
        var seen = new List<string>();
        await foreach (var e in job.ReadEventsAsync()) seen.Add(e.ToString());
        Assert.Equal(expected, seen);
        Assert.Equal("done", Text(await job.Result.Within("the streamed job's result")));
    }

    [SkippableFact]
    public async Task A_worker_that_fails_the_job_gives_the_client_a_job_failed_exception()
    {
        Server.RequireAvailable();
        var f = NewName("fail");
        await StartWorkerAsync(w => w.Register(f, (job, _) => throw new GearmanJobFailedException(job.Handle)));
        var client = NewClient();

        var error = await Assert.ThrowsAsync<GearmanJobFailedException>(() => client.SubmitAsync(f, Bytes("x")).Within("WORK_FAIL"));
        Assert.StartsWith("H:", error.Handle);
    }

    [SkippableFact]
    public async Task A_handler_exception_reaches_clients_that_asked_for_exceptions_and_is_a_plain_failure_for_the_rest()
    {
        Server.RequireAvailable();
        var f = NewName("throws");
        await StartWorkerAsync(w => w.Register(f, (_, _) => throw new InvalidOperationException("boom")));

        var asked = await Assert.ThrowsAsync<GearmanJobException>(
            () => NewClient(receiveExceptions: true).SubmitAsync(f, Bytes("x")).Within("WORK_EXCEPTION"));
        Assert.Equal("boom", Text(asked.Payload));

        // The server turns the exception into WORK_FAIL for a client without the option (exactly that type).
        await Assert.ThrowsAsync<GearmanJobFailedException>(
            () => NewClient(receiveExceptions: false).SubmitAsync(f, Bytes("x")).Within("WORK_FAIL"));
    }

    [SkippableFact]
    public async Task A_background_job_reports_queued_then_running_with_progress_then_unknown()
    {
        Server.RequireAvailable();
        var f = NewName("bg");
        var unique = NewName("u");
        var client = NewClient();

        var handle = await client.SubmitBackgroundAsync(f, Bytes("payload"), unique: unique).Within("JOB_CREATED");
        Assert.Equal(new JobStatus(handle, true, false, 0, 0), await client.GetStatusAsync(handle).Within("STATUS_RES"));
        var byUnique = await client.GetStatusByUniqueAsync(unique).Within("STATUS_RES_UNIQUE");
        Assert.Equal(new UniqueJobStatus(unique, true, false, 0, 0, 0), byUnique);

        var statusSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finish = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await StartWorkerAsync(w => w.Register(f, async (job, _) =>
        {
            Assert.Equal(unique, job.Unique);
            await job.SendStatusAsync(2, 5);
            statusSent.TrySetResult();
            await finish.Task;
            return Bytes("ok");
        }));
        await statusSent.Task.Within("the handler to report progress");
        // The WORK_STATUS travels on the worker's connection; the client asks on its own, so ask until it shows.
        await Waits.UntilAsync(async () => await client.GetStatusAsync(handle) == new JobStatus(handle, true, true, 2, 5),
            "GET_STATUS shows the job running at 2/5");

        finish.SetResult();
        await Waits.UntilAsync(async () => !(await client.GetStatusAsync(handle)).Known, "the finished job is forgotten");
        Assert.Equal(new UniqueJobStatus(unique, false, false, 0, 0, 0), await client.GetStatusByUniqueAsync(unique));
    }

    [SkippableFact]
    public async Task Jobs_with_the_same_unique_id_are_coalesced_into_one_run()
    {
        Server.RequireAvailable();
        var f = NewName("coalesce");
        var unique = NewName("u");
        var first = await NewClient().StartJobAsync(f, Bytes("same"), unique: unique).Within("JOB_CREATED 1");
        var second = await NewClient().StartJobAsync(f, Bytes("same"), unique: unique).Within("JOB_CREATED 2");
        var other = await NewClient().StartJobAsync(f, Bytes("other"), unique: NewName("u")).Within("JOB_CREATED 3");
        Assert.Equal(first.Handle, second.Handle);
        Assert.NotEqual(first.Handle, other.Handle);

        var runs = new List<string>();
        await StartWorkerAsync(w => w.Register(f, (job, _) =>
        {
            lock (runs) runs.Add(Text(job.Payload));
            return ValueTask.FromResult(job.Payload);
        }));

        Assert.Equal("same", Text(await first.Result.Within("the first result")));
        Assert.Equal("same", Text(await second.Result.Within("the coalesced result")));
        Assert.Equal("other", Text(await other.Result.Within("the other result")));
        lock (runs) Assert.Equal(new[] { "other", "same" }, runs.Order());
    }

    [SkippableFact]
    public async Task A_worker_takes_high_before_normal_before_low()
    {
        Server.RequireAvailable();
        var f = NewName("prio");
        var client = NewClient();
        await client.SubmitBackgroundAsync(f, Bytes("low"), JobPriority.Low).Within("JOB_CREATED low");
        await client.SubmitBackgroundAsync(f, Bytes("normal"), JobPriority.Normal).Within("JOB_CREATED normal");
        await client.SubmitBackgroundAsync(f, Bytes("high"), JobPriority.High).Within("JOB_CREATED high");

        var order = new List<string>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await StartWorkerAsync(w => w.Register(f, (job, _) =>
        {
            lock (order)
            {
                order.Add(Text(job.Payload));
                if (order.Count == 3) all.TrySetResult();
            }
            return ValueTask.FromResult(ReadOnlyMemory<byte>.Empty);
        }), concurrency: 1);

        await all.Task.Within("three jobs");
        lock (order) Assert.Equal(new[] { "high", "normal", "low" }, order);
    }

    [SkippableFact]
    public async Task A_thousand_jobs_pipelined_on_one_connection_all_get_their_own_result()
    {
        Server.RequireAvailable();
        var f = NewName("pipeline");
        await StartReverserAsync(f, concurrency: 4);
        var client = NewClient();

        var jobs = Enumerable.Range(0, 1000).Select(i => client.SubmitAsync(f, Bytes($"job-{i:D4}"))).ToArray();
        var results = await Task.WhenAll(jobs).Within("1000 results");

        for (var i = 0; i < results.Length; i++)
            Assert.Equal(new string($"job-{i:D4}".Reverse().ToArray()), Text(results[i]));
    }

    [SkippableFact]
    public async Task Cancelling_stops_the_wait_and_leaves_the_connection_usable()
    {
        Server.RequireAvailable();
        var f = NewName("cancel");
        var client = NewClient();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => client.SubmitAsync(f, Bytes("never sent"), cancellationToken: new CancellationToken(canceled: true)));

        using var cts = new CancellationTokenSource();
        var waiting = client.SubmitAsync(f, Bytes("first"), cancellationToken: cts.Token);
        // The job is on the server (no worker yet) before the wait is cancelled.
        await Waits.UntilAsync(async () => (await ServerAdmin.StatusAsync(Server, f)).Total == 1, "the job is queued");
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.Within("the cancelled wait"));

        // The protocol cannot withdraw the job: it still runs, and its late result must not disturb the next job.
        var ran = 0;
        await StartWorkerAsync(w => w.Register(f, (job, _) =>
        {
            Interlocked.Increment(ref ran);
            return ValueTask.FromResult(job.Payload);
        }));
        Assert.Equal("second", Text(await client.SubmitAsync(f, Bytes("second")).Within("the next job on the same client")));
        Assert.Equal(2, Volatile.Read(ref ran));
        Assert.Equal("echo", Text(await client.EchoAsync(Bytes("echo")).Within("ECHO_RES")));
    }

    [SkippableFact]
    public async Task A_scheduled_job_waits_for_its_time_and_one_due_already_runs_at_once()
    {
        Server.RequireAvailable();
        var f = NewName("epoch");
        var client = NewClient();
        var later = await client.ScheduleAsync(f, Bytes("in an hour"), DateTimeOffset.UtcNow.AddHours(1)).Within("JOB_CREATED later");
        Assert.Equal(new JobStatus(later, true, false, 0, 0), await client.GetStatusAsync(later).Within("STATUS_RES"));

        var ran = new List<string>();
        var dueRan = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await StartWorkerAsync(w => w.Register(f, (job, _) =>
        {
            lock (ran) ran.Add(Text(job.Payload));
            if (Text(job.Payload) == "due") dueRan.TrySetResult();
            return ValueTask.FromResult(job.Payload);
        }));
        var due = await client.ScheduleAsync(f, Bytes("due"), DateTimeOffset.UtcNow.AddMinutes(-1)).Within("JOB_CREATED due");
        Assert.NotEqual(later, due);

        await dueRan.Task.Within("the job that was due");
        // A foreground job after it runs too, and the one scheduled for later still has not.
        Assert.Equal("now", Text(await client.SubmitAsync(f, Bytes("now")).Within("a job after the scheduled ones")));
        lock (ran) Assert.Equal(new[] { "due", "now" }, ran);
        Assert.Equal(new JobStatus(later, true, false, 0, 0), await client.GetStatusAsync(later).Within("STATUS_RES"));
    }
}
