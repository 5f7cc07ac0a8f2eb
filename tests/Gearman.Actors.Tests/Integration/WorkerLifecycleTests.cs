using System.Diagnostics;
using Gearman.Actors.Tests.Support;

namespace Gearman.Actors.Tests.Integration;

/// <summary>Workers sleeping and waking, dying mid-job, overrunning CAN_DO_TIMEOUT; clients going away.</summary>
[Collection(BrokerCollection.Name)]
public sealed class WorkerLifecycleTests : BrokerTest
{
    public WorkerLifecycleTests(BrokerFixture fx) : base(fx) { }

    [Fact]
    public async Task A_sleeping_worker_gets_exactly_one_noop_however_many_jobs_arrive()
    {
        var f = NewName("noop");
        var w = await ConnectAsync("worker");
        await w.RegisterIdleAsync(f);
        w.Sleep();

        var c = await ConnectAsync("client");
        for (var i = 0; i < 3; i++) await c.SubmitAsync(Cmd.SubmitJobBg, f, "", $"d{i}");
        await w.ExpectAsync(Cmd.Noop);
        // All three submits are done, so any further wakeup would already be queued ahead of this echo.
        await w.SyncAsync();

        // Awake, it takes the jobs; sleeping again with work still queued brings an immediate NOOP.
        var a = await w.GrabAsync();
        w.Send(Cmd.WorkComplete, a.Text(0), "");
        w.Sleep();
        await w.ExpectAsync(Cmd.Noop);
        await w.SyncAsync();
    }

    [Fact]
    public async Task Every_sleeping_worker_of_the_function_gets_one_noop_and_others_none()
    {
        var f = NewName("noop-all");
        var other = NewName("noop-other");
        var w1 = await ConnectAsync("w1");
        var w2 = await ConnectAsync("w2");
        var bystander = await ConnectAsync("bystander");
        await w1.RegisterIdleAsync(f);
        await w2.RegisterIdleAsync(f);
        await bystander.RegisterIdleAsync(other);
        foreach (var w in new[] { w1, w2, bystander }) w.Sleep();

        var c = await ConnectAsync("client");
        await c.SubmitAsync(Cmd.SubmitJobBg, f, "", "one job");
        await w1.ExpectAsync(Cmd.Noop);
        await w2.ExpectAsync(Cmd.Noop);
        await w1.SyncAsync();
        await w2.SyncAsync();
        await bystander.SyncAsync();

        // One job, two woken workers: one gets it, the other NO_JOB.
        w1.Send(Cmd.GrabJob);
        var first = await w1.ReceivePacketAsync();
        w2.Send(Cmd.GrabJob);
        var second = await w2.ReceivePacketAsync();
        Assert.Equal(new[] { Cmd.JobAssign, Cmd.NoJob }, new[] { first.Type, second.Type }.OrderBy(t => t == Cmd.NoJob ? 1 : 0));
    }

    [Fact]
    public async Task A_worker_that_disconnects_mid_job_has_the_job_requeued_for_another_worker()
    {
        var f = NewName("requeue");
        var spare = await ConnectAsync("spare-worker");
        await spare.RegisterIdleAsync(f);
        spare.Sleep();

        var client = await ConnectAsync("client");
        var h = await client.SubmitAsync(Cmd.SubmitJob, f, "", "work");
        await spare.ExpectAsync(Cmd.Noop);

        var dying = await ConnectAsync("dying-worker");
        dying.Send(Cmd.CanDo, f);
        Assert.Equal(h, (await dying.GrabAsync()).Text(0));
        dying.Send(Cmd.WorkStatus, h, "1", "2");
        await client.ExpectAsync(Cmd.WorkStatus);

        // The spare worker finds nothing and goes back to sleep; the job comes back when its worker dies.
        spare.Send(Cmd.GrabJob);
        await spare.ExpectAsync(Cmd.NoJob);
        spare.Sleep();
        dying.Dispose();
        await spare.ExpectAsync(Cmd.Noop);

        var again = await spare.GrabAsync();
        Assert.Equal(h, again.Text(0));
        Assert.Equal("work", again.Text(2));
        // The status was reset when the job went back to the queue... and is running again now.
        Assert.Equal(("1", "1", "0", "0"), await (await ConnectAsync("observer")).GetStatusAsync(h));

        spare.Send(Cmd.WorkComplete, h, "done by spare");
        // The client was told nothing of the failure: the next thing it hears is the result.
        var done = await client.ExpectAsync(Cmd.WorkComplete);
        Assert.Equal("done by spare", done.Text(1));
    }

    [Fact]
    public async Task Can_do_timeout_requeues_an_overrunning_job_after_at_least_a_second()
    {
        var f = NewName("timeout");
        var spare = await ConnectAsync("spare-worker");
        await spare.RegisterIdleAsync(f);
        spare.Sleep();

        var slow = await ConnectAsync("slow-worker");
        slow.Send(Cmd.CanDoTimeout, f, "500"); // milliseconds; below a second is raised to one second
        var client = await ConnectAsync("client");
        var h = await client.SubmitAsync(Cmd.SubmitJob, f, "", "work");
        await spare.ExpectAsync(Cmd.Noop);

        Assert.Equal(h, (await slow.GrabAsync()).Text(0));
        var clock = Stopwatch.StartNew();
        spare.Send(Cmd.GrabJob);
        await spare.ExpectAsync(Cmd.NoJob);
        spare.Sleep();

        await spare.ExpectAsync(Cmd.Noop);
        var elapsed = clock.Elapsed;
        Assert.True(elapsed >= TimeSpan.FromMilliseconds(900), $"requeued after {elapsed.TotalMilliseconds:0} ms, before the one-second floor");
        var again = await spare.GrabAsync();
        Assert.Equal(h, again.Text(0));

        // The slow worker no longer holds the job.
        slow.Send(Cmd.WorkComplete, h, "too late");
        var error = await slow.ExpectAsync(Cmd.Error);
        Assert.Equal("JOB_NOT_FOUND", error.Text(0));

        spare.Send(Cmd.WorkComplete, h, "in time");
        Assert.Equal("in time", (await client.ExpectAsync(Cmd.WorkComplete)).Text(1));
        await client.SyncAsync();
    }

    [Fact]
    public async Task Work_results_for_a_job_the_connection_does_not_hold_are_refused()
    {
        var f = NewName("notheld");
        var c = await ConnectAsync("client");
        var h = await c.SubmitAsync(Cmd.SubmitJobBg, f, "", "x");
        var stranger = await ConnectAsync("stranger");
        stranger.Send(Cmd.CanDo, f);
        foreach (var (type, args) in new[]
                 {
                     (Cmd.WorkComplete, new[] { h, "r" }), (Cmd.WorkFail, new[] { h }), (Cmd.WorkData, new[] { h, "d" }),
                     (Cmd.WorkStatus, new[] { h, "1", "2" }), (Cmd.WorkComplete, new[] { "H:unknown:1", "r" }),
                 })
        {
            stranger.Send(type, args);
            var e = await stranger.ExpectAsync(Cmd.Error);
            Assert.Equal("JOB_NOT_FOUND", e.Text(0));
        }
        // The job is untouched.
        Assert.Equal(("1", "0", "0", "0"), await c.GetStatusAsync(h));
    }

    /// <summary>The abandoned job leaves the queue, and a worker that asks afterwards gets NO_JOB.</summary>
    private async Task<GearmanTestClient> ExpectAbandonedJobDroppedAsync(string function)
    {
        var admin = await ConnectAsync("admin");
        await Eventually.TrueAsync(async () => (await StatusOfAsync(admin, function))?.Total == 0, "the abandoned job leaves the queue");
        var w = await ConnectAsync("worker");
        w.Send(Cmd.CanDo, function);
        w.Send(Cmd.GrabJob);
        await w.ExpectAsync(Cmd.NoJob);
        return admin;
    }

    [Fact]
    public async Task A_foreground_job_whose_client_left_is_never_handed_to_a_worker()
    {
        var f = NewName("abandoned");
        var client = await ConnectAsync("client");
        var h = await client.SubmitAsync(Cmd.SubmitJob, f, "", "x");
        client.Dispose();

        var admin = await ExpectAbandonedJobDroppedAsync(f);
        Assert.Equal(("0", "0", "0", "0"), await admin.GetStatusAsync(h));
    }

    [Fact]
    public async Task A_foreground_job_whose_client_left_before_job_created_is_dropped_too()
    {
        // The client is gone before its JOB_CREATED comes back, so its connection does not know the handle yet.
        var f = NewName("left-early");
        var client = await ConnectAsync("client");
        client.Send(Cmd.SubmitJob, f, "", "x");
        client.Dispose();

        await ExpectAbandonedJobDroppedAsync(f);
    }

    [Fact]
    public async Task A_foreground_job_whose_client_left_while_it_ran_is_not_run_again_when_its_worker_dies()
    {
        var f = NewName("orphan");
        var u = NewName("orphan-u");
        var client = await ConnectAsync("client");
        await client.SubmitAsync(Cmd.SubmitJob, f, u, "x");
        var w = await ConnectAsync("worker");
        w.Send(Cmd.CanDo, f);
        await w.GrabAsync();
        client.Dispose();
        var observer = await ConnectAsync("observer");
        await Eventually.TrueAsync(async () =>
        {
            observer.Send(Cmd.GetStatusUnique, u);
            return (await observer.ExpectAsync(Cmd.StatusResUnique)).Text(5) == "0";
        }, "the running job has no client left");

        w.Dispose();
        await ExpectAbandonedJobDroppedAsync(f);
    }

    [Fact]
    public async Task A_worker_result_that_is_only_a_handle_carries_an_empty_value()
    {
        // Perl's Gearman::Worker sends a false value ("" or "0") as the bare handle, and WORK_STATUS without its
        // denominator; gearmand breaks the worker's connection over it, the broker takes the missing part as empty.
        var f = NewName("bare");
        var client = await ConnectAsync("client");
        var h = await client.SubmitAsync(Cmd.SubmitJob, f, "", "x");
        var w = await ConnectAsync("worker");
        w.Send(Cmd.CanDo, f);
        await w.GrabAsync();
        w.Send(Cmd.WorkData, h);
        w.Send(Cmd.WorkStatus, h, "1");
        w.Send(Cmd.WorkComplete, h);
        var data = await client.ExpectAsync(Cmd.WorkData);
        Assert.Equal(new[] { h, "" }, new[] { data.Text(0), data.Text(1) });
        var status = await client.ExpectAsync(Cmd.WorkStatus);
        Assert.Equal(new[] { h, "1", "" }, new[] { status.Text(0), status.Text(1), status.Text(2) });
        var done = await client.ExpectAsync(Cmd.WorkComplete);
        Assert.Equal(new[] { h, "" }, new[] { done.Text(0), done.Text(1) });
        await w.SyncAsync();
    }

    [Fact]
    public async Task Cant_do_and_reset_abilities_stop_a_worker_from_getting_jobs()
    {
        var fa = NewName("cant-a");
        var fb = NewName("cant-b");
        var c = await ConnectAsync("client");
        await c.SubmitAsync(Cmd.SubmitJobBg, fa, "", "a");
        await c.SubmitAsync(Cmd.SubmitJobBg, fb, "", "b");

        var w = await ConnectAsync("worker");
        w.Send(Cmd.CanDo, fa);
        w.Send(Cmd.CanDo, fb);
        w.Send(Cmd.CantDo, fa);
        var got = await w.GrabAsync();
        Assert.Equal("b", got.Text(2));
        w.Send(Cmd.WorkComplete, got.Text(0), "");

        w.Send(Cmd.CanDo, fa);
        w.Send(Cmd.ResetAbilities);
        w.Send(Cmd.GrabJob);
        await w.ExpectAsync(Cmd.NoJob);
    }

    [Theory]
    [InlineData(Cmd.CantDo)]
    [InlineData(Cmd.ResetAbilities)]
    public async Task A_worker_that_gives_up_the_function_of_a_job_it_holds_has_the_job_requeued(int giveUp)
    {
        var f = NewName("giveup");
        var spare = await ConnectAsync("spare-worker");
        await spare.RegisterIdleAsync(f);
        spare.Sleep();
        var client = await ConnectAsync("client");
        var h = await client.SubmitAsync(Cmd.SubmitJob, f, "", "work");
        await spare.ExpectAsync(Cmd.Noop);

        var quitter = await ConnectAsync("quitter");
        quitter.Send(Cmd.CanDo, f);
        Assert.Equal(h, (await quitter.GrabAsync()).Text(0));
        spare.Send(Cmd.GrabJob);
        await spare.ExpectAsync(Cmd.NoJob);
        spare.Sleep();

        if (giveUp == Cmd.CantDo) quitter.Send(Cmd.CantDo, f);
        else quitter.Send(Cmd.ResetAbilities);
        await spare.ExpectAsync(Cmd.Noop);
        Assert.Equal(h, (await spare.GrabAsync()).Text(0));

        // The quitter no longer holds it.
        quitter.Send(Cmd.WorkComplete, h, "late");
        Assert.Equal("JOB_NOT_FOUND", (await quitter.ExpectAsync(Cmd.Error)).Text(0));
        spare.Send(Cmd.WorkComplete, h, "by spare");
        Assert.Equal("by spare", (await client.ExpectAsync(Cmd.WorkComplete)).Text(1));
    }
}
