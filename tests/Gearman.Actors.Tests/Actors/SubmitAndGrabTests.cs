using Akka.Actor;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Tests.Actors;

public sealed class SubmitAndGrabTests : QueueTestKit
{
    [Fact]
    public void Submit_is_answered_with_a_fresh_handle_per_job()
    {
        var client = CreateTestProbe();

        Assert.Equal(H(1), Submit(client, "a"));
        Assert.Equal(H(2), Submit(client, "b"));
        Assert.Equal(H(3), Submit(client, "c", background: true));

        var stats = Stats();
        Assert.Equal(Fn, stats.Function);
        Assert.Equal(3, stats.Normal);
        Assert.Equal(3, stats.Total);
        Assert.True(Ctx.Directory.TryGetFunctionOfHandle(H(2), out var fn));
        Assert.Equal(Fn, fn);
        Assert.True(Ctx.Directory.HasQueue(Fn));
    }

    [Fact]
    public void Grab_hands_out_the_job_with_everything_the_worker_needs()
    {
        var client = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);
        var handle = Submit(client, "payload", unique: "u-1", reducer: "red");

        var job = Grab(worker, kind: GrabKind.All);

        Assert.Equal(handle, job.Handle);
        Assert.Equal(Fn, job.Function);
        Assert.Equal("u-1", job.Unique);
        Assert.Equal("red", job.Reducer);
        Assert.Equal("payload", Text(job.Data));
        Assert.Equal(GrabKind.All, job.Kind);
        Assert.NotNull(job.Job);

        var stats = Stats();
        Assert.Equal((0, 1, 1), (stats.Normal, stats.Running, stats.Total));
    }

    [Fact]
    public void Grab_on_an_empty_queue_answers_no_job()
    {
        var client = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);
        ExpectNoJob(worker);

        Submit(client);
        Grab(worker);
        ExpectNoJob(worker);
    }

    [Fact]
    public void High_before_normal_before_low_and_fifo_within_each()
    {
        var client = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);
        var l1 = Submit(client, "l1", priority: Priority.Low);
        var n1 = Submit(client, "n1");
        var h1 = Submit(client, "h1", priority: Priority.High);
        var n2 = Submit(client, "n2", background: true);
        var l2 = Submit(client, "l2", priority: Priority.Low, background: true);
        var h2 = Submit(client, "h2", priority: Priority.High, background: true);
        var n3 = Submit(client, "n3");

        var order = Enumerable.Range(0, 7).Select(_ => Grab(worker).Handle).ToArray();

        Assert.Equal(new[] { h1, h2, n1, n2, n3, l1, l2 }, order);
        ExpectNoJob(worker);
    }

    [Fact]
    public void Fifo_holds_for_many_submits()
    {
        var client = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);
        var handles = Enumerable.Range(0, 200).Select(i => Submit(client, $"d{i}", background: true)).ToArray();

        var taken = Enumerable.Range(0, 200).Select(_ => Grab(worker)).ToArray();

        Assert.Equal(handles, taken.Select(j => j.Handle));
        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"d{i}"), taken.Select(j => Text(j.Data)));
    }

    [Fact]
    public void Worst_priority_limits_what_a_grab_takes()
    {
        var client = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);
        var low = Submit(client, priority: Priority.Low);
        var normal = Submit(client);

        ExpectNoJob(worker, worst: Priority.High);
        Assert.Equal(normal, Grab(worker, worst: Priority.Normal).Handle);
        ExpectNoJob(worker, worst: Priority.Normal);
        Assert.Equal(low, Grab(worker, worst: Priority.Low).Handle);
    }

    [Fact]
    public void A_worker_that_wants_notices_hears_of_work_once_until_it_is_answered_no_job()
    {
        var client = CreateTestProbe();
        var worker = CreateTestProbe();
        var plain = CreateTestProbe();
        Queue.Tell(new RegisterWorker(Fn, worker.Ref, 0, Announce: true));
        worker.ExpectMsg<WorkerRegistered>();
        Register(plain);

        Submit(client, "1");
        Assert.Equal(new WorkAvailable(Fn), worker.ExpectMsg<WorkAvailable>());
        Submit(client, "2");
        Barrier();
        Assert.False(worker.HasMessages); // told already: one notice for the jobs it has not seen
        Assert.False(plain.HasMessages); // registered without notices

        Grab(worker);
        Grab(worker);
        ExpectNoJob(worker);
        Submit(client, "3");
        worker.ExpectMsg<WorkAvailable>(); // the NO_JOB made it forget; the new job is news again

        // A worker registering while a job waits hears of it at once.
        var late = CreateTestProbe();
        Queue.Tell(new RegisterWorker(Fn, late.Ref, 0, Announce: true));
        late.ExpectMsg<WorkAvailable>();
    }

    [Fact]
    public void Requeued_job_goes_to_the_tail_of_its_own_lane()
    {
        // FACTS §3: H1,H2,N1; H1's worker dies → H2, H1, N1.
        var client = CreateTestProbe();
        var dying = CreateTestProbe();
        var other = CreateTestProbe();
        Register(dying);
        Register(other);
        var h1 = Submit(client, "h1", priority: Priority.High);
        var h2 = Submit(client, "h2", priority: Priority.High);
        var n1 = Submit(client, "n1");
        Assert.Equal(h1, Grab(dying).Handle);
        Sleeping(other);

        Kill(dying);
        other.ExpectMsg<Wake>(); // sent once H1 is back in its lane

        Assert.Equal(new[] { h2, h1, n1 }, new[] { Grab(other).Handle, Grab(other).Handle, Grab(other).Handle });
    }

    [Fact]
    public void Stats_count_each_priority_running_jobs_and_workers()
    {
        var client = CreateTestProbe();
        var w1 = CreateTestProbe();
        var w2 = CreateTestProbe();
        Register(w1);
        Register(w2);
        Register(w2); // registered twice, counted once
        Submit(client, priority: Priority.High);
        Submit(client, priority: Priority.High, background: true);
        Submit(client);
        Submit(client);
        Submit(client, unique: "bg", background: true);
        Submit(client, priority: Priority.Low);

        var before = Stats();
        Assert.Equal((2, 3, 1, 0, 2, 6), (before.High, before.Normal, before.Low, before.Running, before.Workers, before.Total));
        Assert.Equal(6, before.Jobs.Count);
        Assert.Equal(2, before.Jobs.Count(j => j.Background));
        Assert.Contains(before.Jobs, j => j.Unique == "bg" && j.Background && j.Retries == 0);

        Grab(w1);
        Grab(w2);
        Grab(w2);
        var after = Stats();
        Assert.Equal((0, 2, 1, 3, 2, 6), (after.High, after.Normal, after.Low, after.Running, after.Workers, after.Total));

        Queue.Tell(new UnregisterWorker(Fn, w2.Ref));
        Assert.Equal(1, Stats().Workers);
    }

    [Fact]
    public void A_not_yet_due_epoch_job_does_not_hide_ready_low_jobs()
    {
        // gearmand 1.1.20 answers NO_JOB here (FACTS §3); docs/architecture.md says this broker does not.
        var client = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);
        Submit(client, "later", background: true, whenEpoch: NowEpoch() + 3600);
        var low = Submit(client, "low", priority: Priority.Low);

        Assert.Equal(low, Grab(worker).Handle);
        ExpectNoJob(worker);
        var stats = Stats();
        Assert.Equal((1, 0, 1), (stats.Normal, stats.Low, stats.Running));
    }

    [Fact]
    public void An_epoch_in_the_past_runs_at_once()
    {
        var client = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);
        var handle = Submit(client, "old", background: true, whenEpoch: NowEpoch() - 10);

        Assert.Equal(handle, Grab(worker).Handle);
    }
}
