using Akka.Actor;
using Gearman.Actors.Jobs;
using Gearman.Actors.Protocol;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Tests.Actors;

public sealed class JobActorTests : QueueTestKit
{
    [Fact]
    public void Listeners_get_data_warning_status_and_complete_in_order()
    {
        var c1 = CreateTestProbe();
        var c2 = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);
        var handle = Submit(c1, unique: "u");
        Submit(c2, unique: "u");
        var job = Grab(worker);

        var events = new[]
        {
            Work(PacketType.WorkData, handle, "d1"),
            Work(PacketType.WorkWarning, handle, "w1"),
            StatusEvent(handle, "1", "4"),
            Work(PacketType.WorkData, handle, "d2"),
            StatusEvent(handle, "4", "4"),
            Work(PacketType.WorkComplete, handle, "result"),
        };
        foreach (var e in events) Send(worker, job, e);
        AwaitHandedBack(job); // the job's end is handled by its actor and its queue: all they sent is delivered

        foreach (var client in new[] { c1, c2 })
        {
            foreach (var e in events) Assert.Same(e, client.ExpectMsg<WorkEvent>());
            client.ExpectNoMsg(TimeSpan.Zero);
        }
    }

    [Fact]
    public void Work_status_updates_what_get_status_reports()
    {
        var client = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);
        var handle = Submit(client, unique: "u");

        Assert.Equal(new JobStatus(0, handle, true, false, "0", "0"), Status(handle) with { Seq = 0 });

        var job = Grab(worker);
        Assert.Equal(new JobStatus(0, handle, true, true, "0", "0"), Status(handle) with { Seq = 0 });

        Send(worker, job, StatusEvent(handle, "3", "10"));
        ExpectWork(client, PacketType.WorkStatus, handle);
        Assert.Equal(new JobStatus(0, handle, true, true, "3", "10"), Status(handle) with { Seq = 0 });
        Assert.Equal(new UniqueStatus(0, "u", true, true, "3", "10", 1), UniqueStatusOf("u") with { Seq = 0 });

        // The fields are relayed as sent, and GET_STATUS reports them as gearmand keeps them: 32-bit atoi.
        Send(worker, job, StatusEvent(handle, "007", "x"));
        var relayed = ExpectWork(client, PacketType.WorkStatus, handle);
        Assert.Equal(("007", "x"), (relayed.Numerator, relayed.Denominator));
        Assert.Equal(("7", "0"), (Status(handle).Numerator, Status(handle).Denominator));
    }

    [Fact]
    public void After_completion_the_handle_and_unique_are_unknown()
    {
        var client = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);
        var handle = Submit(client, unique: "u");
        var job = Grab(worker);
        Send(worker, job, StatusEvent(handle, "1", "2"));

        Finish(worker, job, Work(PacketType.WorkComplete, handle, "ok"));

        ExpectWork(client, PacketType.WorkStatus, handle);
        ExpectWork(client, PacketType.WorkComplete, handle, "ok");
        Assert.Equal(JobStatus.Unknown(0, handle), Status(handle) with { Seq = 0 });
        Assert.Equal(UniqueStatus.Unknown(0, "u"), UniqueStatusOf("u") with { Seq = 0 });
        Assert.False(Ctx.Directory.TryGetFunctionOfHandle(handle, out _));
        Assert.False(Ctx.Directory.TryGetFunctionOfUnique("u", out _));
        var stats = Stats();
        Assert.Equal((0, 0, 0), (stats.Normal, stats.Running, stats.Jobs.Count));
    }

    [Theory]
    [InlineData(PacketType.WorkFail)]
    [InlineData(PacketType.WorkException)]
    public void Fail_and_exception_end_the_job_too(PacketType final)
    {
        var client = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);
        var handle = Submit(client);
        var job = Grab(worker);

        Finish(worker, job, Work(final, handle, final == PacketType.WorkException ? "boom" : ""));

        ExpectWork(client, final, handle);
        Assert.False(Status(handle).Known);
        Assert.Equal(0, Stats().Running);
        ExpectNoJob(worker);
    }

    [Fact]
    public void Data_and_warning_do_not_end_the_job()
    {
        var client = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);
        var handle = Submit(client);
        var job = Grab(worker);

        Send(worker, job, Work(PacketType.WorkData, handle, "d"));
        Send(worker, job, Work(PacketType.WorkWarning, handle, "w"));
        ExpectWork(client, PacketType.WorkData, handle, "d");
        ExpectWork(client, PacketType.WorkWarning, handle, "w");

        Assert.True(Status(handle).Running);
        Assert.Equal(1, Stats().Running);
    }

    [Fact]
    public void Background_job_completes_without_listeners()
    {
        var client = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);
        var handle = Submit(client, background: true);
        var job = Grab(worker);

        Finish(worker, job, Work(PacketType.WorkComplete, handle, "r"));

        client.ExpectNoMsg(TimeSpan.Zero);
        Assert.False(Status(handle).Known);
        Assert.Equal(0, Stats().Total);
    }

    [Fact]
    public void A_listener_that_left_a_running_job_gets_nothing_more()
    {
        var c1 = CreateTestProbe();
        var c2 = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);
        var handle = Submit(c1, unique: "u");
        Submit(c2, unique: "u");
        var job = Grab(worker);

        Queue.Tell(new ListenerGone(Fn, handle, c1.Ref));
        Assert.Equal(1, UniqueStatusOf("u").Clients); // the queue forwarded RemoveListener before this query

        Finish(worker, job, Work(PacketType.WorkComplete, handle, "r"));
        ExpectWork(c2, PacketType.WorkComplete, handle, "r");
        c1.ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public void Running_job_keeps_running_when_its_last_listener_leaves()
    {
        var client = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);
        var handle = Submit(client);
        var job = Grab(worker);

        Queue.Tell(new ListenerGone(Fn, handle, client.Ref));
        Assert.True(Status(handle).Running);

        Finish(worker, job, Work(PacketType.WorkComplete, handle));
        client.ExpectNoMsg(TimeSpan.Zero);
        Assert.Equal(0, Stats().Running);
    }

    [Fact]
    public void A_job_actor_runs_the_next_job_and_ignores_what_was_meant_for_its_earlier_job()
    {
        var client = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);
        var first = Submit(client);
        var firstRun = Grab(worker);
        Finish(worker, firstRun, Work(PacketType.WorkComplete, first, "r1"));
        ExpectWork(client, PacketType.WorkComplete, first, "r1");

        var second = Submit(client);
        var secondRun = Grab(worker);
        Assert.Equal(firstRun.Job, secondRun.Job);

        // A late result for the first job that waits for durability is acknowledged, never relayed.
        secondRun.Job.Tell(Work(PacketType.WorkComplete, first, "late") with { AckSeq = 77 }, worker.Ref);
        Assert.Equal(77, worker.ExpectMsg<Acknowledged>().Seq);
        // A release meant for the first job does not give the second one back.
        secondRun.Job.Tell(new ReleaseJob(first), worker.Ref);
        Assert.True(Status(second).Running);

        Send(worker, secondRun, Work(PacketType.WorkComplete, second, "r2"));
        ExpectWork(client, PacketType.WorkComplete, second, "r2");
        client.ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public void A_job_given_to_a_worker_that_died_meanwhile_goes_back_to_the_queue()
    {
        // The job actor still watched this worker from its last job when the worker died; the new job must notice.
        var client = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);
        var first = Submit(client);
        var firstRun = Grab(worker);
        Finish(worker, firstRun, Work(PacketType.WorkComplete, first));
        ExpectWork(client, PacketType.WorkComplete, first);
        Kill(worker);

        var second = Submit(client);
        // A grab the worker sent before it died, reaching the queue after.
        Queue.Tell(new Grab(Fn, worker.Ref, GrabKind.Plain, Priority.Low, NextSeq()));

        AwaitAssert(() => Assert.Equal(new JobStatus(0, second, true, false, "0", "0"), Status(second) with { Seq = 0 }),
            TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(20));
        Assert.Equal(1, Assert.Single(Stats().Jobs).Retries);
    }
}
