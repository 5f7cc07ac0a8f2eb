using System.Text;
using Gearman.Actors.InProcess;
using Gearman.Actors.Queues;
using Gearman.Actors.Tests.Support;

namespace Gearman.Actors.Tests.Embedding;

/// <summary>
/// The in-process API of a broker embedded with Akka.Hosting: in-process clients and workers with each other and
/// with TCP clients and workers on the same broker. Every wait is on a reply or a task, bounded by a timeout.
/// </summary>
[Collection(EmbeddedCollection.Name)]
public sealed class InProcessApiTests
{
    private static readonly TimeSpan Patience = EmbeddedBrokerFixture.Patience;
    private readonly EmbeddedBrokerFixture _fx;

    public InProcessApiTests(EmbeddedBrokerFixture fx) => _fx = fx;

    private IGearmanBroker Gearman => _fx.Gearman;

    private static string NewName(string prefix) => BrokerFixture.NewName(prefix);

    private static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    private static string Text(byte[] b) => Encoding.UTF8.GetString(b);

    private static ValueTask<byte[]> Reverse(InProcessJob job, CancellationToken _) =>
        ValueTask.FromResult(job.Payload.ToArray().Reverse().ToArray());

    [Fact]
    public async Task An_in_process_client_gets_the_result_of_an_in_process_worker()
    {
        var function = NewName("reverse");
        await using var worker = Gearman.RegisterWorker(function, Reverse);

        var results = await Task.WhenAll(Enumerable.Range(0, 20)
            .Select(i => Gearman.SubmitAsync(function, Bytes($"job {i}")))).WaitAsync(Patience);

        for (var i = 0; i < results.Length; i++) Assert.Equal(new string($"job {i}".Reverse().ToArray()), Text(results[i]));
    }

    [Fact]
    public async Task A_worker_runs_up_to_its_concurrency_at_once()
    {
        var function = NewName("gate");
        var started = 0;
        var bothRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var worker = Gearman.RegisterWorker(function, async (job, ct) =>
        {
            if (Interlocked.Increment(ref started) == 2) bothRunning.TrySetResult();
            // Neither job can finish until both run: with a concurrency of 1 this would never complete.
            await bothRunning.Task.WaitAsync(ct);
            return job.Payload.ToArray();
        }, concurrency: 2);

        var results = await Task.WhenAll(Gearman.SubmitAsync(function, Bytes("a")), Gearman.SubmitAsync(function, Bytes("b")))
            .WaitAsync(Patience);

        Assert.Equal(new[] { "a", "b" }, results.Select(Text).Order());
    }

    [Fact]
    public async Task A_tcp_client_gets_progress_and_result_from_an_in_process_worker()
    {
        var function = NewName("tcp-to-inproc");
        await using var worker = Gearman.RegisterWorker(function, (job, ct) =>
        {
            job.SendStatus(1, 2);
            job.SendData(Bytes("partial"));
            return Reverse(job, ct);
        });
        await using var client = await _fx.ConnectAsync("client");

        var handle = await client.SubmitAsync(Cmd.SubmitJob, function, "", "hello");

        var status = await client.ExpectAsync(Cmd.WorkStatus);
        Assert.Equal((handle, "1", "2"), (status.Text(0), status.Text(1), status.Text(2)));
        var data = await client.ExpectAsync(Cmd.WorkData);
        Assert.Equal("partial", data.Text(1));
        var complete = await client.ExpectAsync(Cmd.WorkComplete);
        Assert.Equal((handle, "olleh"), (complete.Text(0), complete.Text(1)));
    }

    [Fact]
    public async Task An_in_process_client_gets_the_result_of_a_tcp_worker()
    {
        var function = NewName("inproc-to-tcp");
        await using var worker = await _fx.ConnectAsync("worker");
        await worker.RegisterIdleAsync(function);
        worker.Sleep();

        var result = Gearman.SubmitAsync(function, Bytes("ping"), Priority.High, unique: "u-" + function);

        await worker.ExpectAsync(Cmd.Noop);
        var assigned = await worker.GrabAsync(Cmd.GrabJobUniq);
        Assert.Equal((function, "u-" + function, "ping"), (assigned.Text(1), assigned.Text(2), assigned.Text(3)));
        worker.Send(Cmd.WorkComplete, assigned.Args[0], Bytes("pong"));
        Assert.Equal("pong", Text(await result.WaitAsync(Patience)));
    }

    [Fact]
    public async Task A_background_job_reports_its_status_while_queued_running_and_after_it_ended()
    {
        var function = NewName("background");
        var handle = await Gearman.SubmitBackgroundAsync(function, Bytes("work"), Priority.Low).WaitAsync(Patience);

        var queued = await Gearman.GetStatusAsync(handle).WaitAsync(Patience);
        Assert.Equal(new GearmanJobStatus(handle, Known: true, Running: false, "0", "0"), queued);

        var reported = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var worker = Gearman.RegisterWorker(function, async (job, ct) =>
        {
            job.SendStatus(3, 4);
            reported.TrySetResult();
            await release.Task.WaitAsync(ct);
            done.TrySetResult();
            return Array.Empty<byte>();
        });
        await reported.Task.WaitAsync(Patience);

        var running = await Gearman.GetStatusAsync(handle).WaitAsync(Patience);
        Assert.Equal(new GearmanJobStatus(handle, Known: true, Running: true, "3", "4"), running);

        release.TrySetResult();
        await done.Task.WaitAsync(Patience);
        // The end of the job reaches its queue after the handler returns; no reply announces that, so poll.
        await Eventually.TrueAsync(async () => !(await Gearman.GetStatusAsync(handle)).Known, $"{handle} is forgotten");
    }

    [Fact]
    public async Task An_unknown_handle_is_reported_unknown()
    {
        var status = await Gearman.GetStatusAsync("H:nowhere:42").WaitAsync(Patience);

        Assert.Equal(new GearmanJobStatus("H:nowhere:42", false, false, "0", "0"), status);
    }

    [Fact]
    public async Task Work_fail_from_an_in_process_worker_reaches_in_process_and_tcp_clients()
    {
        var function = NewName("fails");
        await using var worker = Gearman.RegisterWorker(function, (_, _) => throw new GearmanJobFailedException());
        await using var client = await _fx.ConnectAsync("client");

        var failure = await Assert.ThrowsAsync<GearmanJobFailedException>(() => Gearman.SubmitAsync(function, Bytes("x")).WaitAsync(Patience));
        Assert.StartsWith("H:", failure.Handle);

        var handle = await client.SubmitAsync(Cmd.SubmitJob, function, "", "y");
        var fail = await client.ExpectAsync(Cmd.WorkFail);
        Assert.Equal(handle, fail.Text(0));
    }

    [Fact]
    public async Task A_throwing_handler_sends_work_exception_which_tcp_clients_without_the_option_see_as_work_fail()
    {
        var function = NewName("throws");
        await using var worker = Gearman.RegisterWorker(function, (_, _) => throw new NotSupportedException("unsupported format"));
        await using var client = await _fx.ConnectAsync("client");

        var error = await Assert.ThrowsAsync<GearmanJobException>(() => Gearman.SubmitAsync(function, Bytes("x")).WaitAsync(Patience));
        Assert.Equal("unsupported format", Text(error.Payload));

        var handle = await client.SubmitAsync(Cmd.SubmitJob, function, "", "y");
        Assert.Equal(handle, (await client.ExpectAsync(Cmd.WorkFail)).Text(0));
    }

    [Fact]
    public async Task Work_fail_from_a_tcp_worker_reaches_an_in_process_client()
    {
        var function = NewName("tcp-fails");
        await using var worker = await _fx.ConnectAsync("worker");
        await worker.RegisterIdleAsync(function);
        worker.Sleep();

        var result = Gearman.SubmitAsync(function, Bytes("x"));

        await worker.ExpectAsync(Cmd.Noop);
        var assigned = await worker.GrabAsync();
        worker.Send(Cmd.WorkFail, assigned.Args[0]);
        var failure = await Assert.ThrowsAsync<GearmanJobFailedException>(() => result.WaitAsync(Patience));
        Assert.Equal(assigned.Text(0), failure.Handle);
    }

    [Fact]
    public async Task Jobs_of_a_disposed_worker_go_back_to_their_queue_for_the_next_worker()
    {
        var function = NewName("handover");
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = Gearman.RegisterWorker(function, async (job, ct) =>
        {
            started.TrySetResult();
            ct.Register(() => cancelled.TrySetResult());
            await Task.Delay(Timeout.Infinite, ct);
            return Bytes("never");
        });
        var result = Gearman.SubmitAsync(function, Bytes("x"));
        await started.Task.WaitAsync(Patience);

        await first.DisposeAsync().AsTask().WaitAsync(Patience);
        await cancelled.Task.WaitAsync(Patience);
        await using var second = Gearman.RegisterWorker(function, (_, _) => ValueTask.FromResult(Bytes("second")));

        Assert.Equal("second", Text(await result.WaitAsync(Patience)));
    }

    [Fact]
    public async Task Cancelling_a_submit_cancels_its_task()
    {
        var function = NewName("nobody-works");
        using var cancel = new CancellationTokenSource();
        var result = Gearman.SubmitAsync(function, Bytes("x"), cancellationToken: cancel.Token);

        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => result.WaitAsync(Patience));
    }

    [Fact]
    public async Task The_hosted_listener_answers_on_its_port_and_lists_in_process_workers()
    {
        var function = NewName("listed");
        await using var worker = Gearman.RegisterWorker(function, Reverse);
        await worker.Registered.WaitAsync(Patience);
        await using var admin = await _fx.ConnectAsync("admin");

        admin.Send(Cmd.EchoReq, "are you there");
        Assert.Equal("are you there", (await admin.ExpectAsync(Cmd.EchoRes)).Text(0));
        var workers = await admin.AdminListAsync("workers");
        Assert.Contains(workers, line => line.Contains(" in-process ") && line.EndsWith(" " + function));
        var status = await admin.AdminListAsync("status");
        Assert.Contains($"{function}\t0\t0\t1", status);
    }
}
