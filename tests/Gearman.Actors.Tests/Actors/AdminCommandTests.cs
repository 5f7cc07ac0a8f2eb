using Akka.Actor;
using Gearman.Actors.Admin;
using Gearman.Actors.Protocol;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Tests.Actors;

public sealed class MaxQueueTests : QueueTestKit
{
    private static SubmitRejected Full(long seq) => new(seq, ErrorCode.QueueError, "Job queue is full");

    [Fact]
    public void Each_priority_is_limited_by_its_own_count()
    {
        var client = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);
        Queue.Tell(new SetMaxQueue(Fn, 1, 2, 0, ActorRefs.Nobody, 0));

        Submit(client, "h1", priority: Priority.High);
        var seq = SendSubmit(client, "h2", priority: Priority.High);
        Assert.Equal(Full(seq), client.ExpectMsg<SubmitRejected>());

        Submit(client, "n1");
        Submit(client, "n2", background: true);
        seq = SendSubmit(client, "n3", background: true);
        Assert.Equal(Full(seq), client.ExpectMsg<SubmitRejected>());

        // 0 = unlimited.
        for (var i = 0; i < 5; i++) Submit(client, $"l{i}", priority: Priority.Low);

        var stats = Stats();
        Assert.Equal((1, 2, 5), (stats.High, stats.Normal, stats.Low));
    }

    [Fact]
    public void Running_jobs_count_against_the_limit_until_they_end()
    {
        var client = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);
        Queue.Tell(new SetMaxQueue(Fn, 0, 1, 0, ActorRefs.Nobody, 0));
        var h1 = Submit(client, "n1");
        var job = Grab(worker);

        var seq = SendSubmit(client, "n2");
        Assert.Equal(Full(seq), client.ExpectMsg<SubmitRejected>());

        Finish(worker, job, Work(PacketType.WorkComplete, h1));
        ExpectWork(client, PacketType.WorkComplete, h1);
        Submit(client, "n3");
    }

    [Fact]
    public void Coalesced_submits_bypass_the_limit()
    {
        var c1 = CreateTestProbe();
        var c2 = CreateTestProbe();
        Submit(c1, "a", unique: "u");
        Submit(c1, "p", unique: "-");
        Queue.Tell(new SetMaxQueue(Fn, 0, 2, 0, ActorRefs.Nobody, 0));

        var seq = SendSubmit(c2, "b", unique: "v");
        Assert.Equal(Full(seq), c2.ExpectMsg<SubmitRejected>());
        Assert.Equal(H(1), Submit(c2, "b", unique: "u"));
        Assert.Equal(H(2), Submit(c2, "p", unique: "-"));
        Assert.Equal(H(1), Submit(c2, unique: "u", background: true));
    }

    [Fact]
    public void Zero_lifts_the_limit()
    {
        var client = CreateTestProbe();
        Submit(client);
        Queue.Tell(new SetMaxQueue(Fn, 1, 1, 1, ActorRefs.Nobody, 0));
        var seq = SendSubmit(client);
        Assert.Equal(Full(seq), client.ExpectMsg<SubmitRejected>());

        Queue.Tell(new SetMaxQueue(Fn, 0, 0, 0, ActorRefs.Nobody, 0));
        Submit(client);
        Assert.Equal(2, Stats().Normal);
    }
}

public sealed class CancelJobTests : QueueTestKit
{
    private AdminText Cancel(string handle) => Admin((r, s) => new CancelJob(Fn, handle, r, s));

    [Fact]
    public void Cancel_of_a_queued_job_fails_its_listeners_and_removes_it()
    {
        var c1 = CreateTestProbe();
        var c2 = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);
        var handle = Submit(c1, unique: "u");
        Submit(c2, unique: "u");
        var other = Submit(c1, "other");

        Assert.Equal("OK\r\n", Cancel(handle).Text);

        ExpectWork(c1, PacketType.WorkFail, handle, "");
        ExpectWork(c2, PacketType.WorkFail, handle, "");
        var stats = Stats();
        Assert.Equal(1, stats.Normal);
        Assert.Equal(new[] { other }, stats.Jobs.Select(j => j.Handle));
        Assert.False(Status(handle).Known);
        Assert.False(UniqueStatusOf("u").Known);
        Assert.Equal("ERR UNKNOWN_JOB\r\n", Cancel(handle).Text);
        Assert.Equal(other, Grab(worker).Handle); // the cancelled job is never handed out
        ExpectNoJob(worker);
    }

    [Fact]
    public void Cancel_of_an_unknown_handle()
    {
        var client = CreateTestProbe();
        Submit(client);
        Assert.Equal("ERR UNKNOWN_JOB\r\n", Cancel("H:test:999").Text);
        Assert.Equal(1, Stats().Normal);
    }

    [Fact]
    public void Cancel_of_a_running_job_fails_its_listeners_and_ignores_the_worker_result()
    {
        var client = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);
        var handle = Submit(client, unique: "u");
        var job = Grab(worker);

        Assert.Equal("OK\r\n", Cancel(handle).Text);

        ExpectWork(client, PacketType.WorkFail, handle);
        var stats = Stats();
        Assert.Equal((0, 0), (stats.Running, stats.Total));
        Assert.False(Status(handle).Known);
        Assert.Equal("ERR UNKNOWN_JOB\r\n", Cancel(handle).Text);

        // The worker may still finish it; nobody hears of it and the counters stay right.
        Finish(worker, job, Work(PacketType.WorkComplete, handle, "late"));
        client.ExpectNoMsg(TimeSpan.Zero);
        stats = Stats();
        Assert.Equal((0, 0), (stats.Running, stats.Total));

        // The unique is free again.
        Assert.NotEqual(handle, Submit(client, unique: "u"));
    }

    [Fact]
    public void Running_job_cancelled_then_abandoned_by_its_worker_is_not_requeued()
    {
        var client = CreateTestProbe();
        var worker = CreateTestProbe();
        var sleeper = CreateTestProbe();
        Register(worker);
        Register(sleeper);
        var handle = Submit(client);
        var job = Grab(worker);
        Assert.Equal("OK\r\n", Cancel(handle).Text);
        ExpectWork(client, PacketType.WorkFail, handle);
        var watcher = CreateTestProbe();
        watcher.Watch(job.Job);

        Sleeping(sleeper);
        Kill(worker);

        watcher.ExpectTerminated(job.Job); // a returned job's actor stops once the queue has handled its JobReturned
        AwaitAssert(() => Assert.Equal(1, Stats().Workers), TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(20));
        Assert.False(sleeper.HasMessages);
        var stats = Stats();
        Assert.Equal((0, 0, 0), (stats.Normal, stats.Running, stats.Total));
        ExpectNoJob(sleeper);
        client.ExpectNoMsg(TimeSpan.Zero);
    }
}

public sealed class DropFunctionTests : QueueTestKit
{
    [Fact]
    public void Drop_with_a_registered_worker_is_refused()
    {
        var client = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);
        var handle = Submit(client);

        var reply = Admin((r, s) => new DropFunction(Fn, r, s));

        Assert.Equal("ERR there are still connected workers or executing clients\r\n", reply.Text);
        Assert.True(Ctx.Directory.HasQueue(Fn));
        Assert.Equal(handle, Grab(worker).Handle);
    }

    [Fact]
    public void Drop_without_workers_fails_waiting_listeners_and_removes_the_function()
    {
        var c1 = CreateTestProbe();
        var c2 = CreateTestProbe();
        var h1 = Submit(c1, "a");
        var h2 = Submit(c2, "b", priority: Priority.High);
        var h3 = Submit(c2, "c", background: true);
        var queue = Queue;
        Watch(queue);

        var reply = Admin((r, s) => new DropFunction(Fn, r, s));

        Assert.Equal("OK\r\n", reply.Text);
        ExpectWork(c1, PacketType.WorkFail, h1);
        ExpectWork(c2, PacketType.WorkFail, h2);
        c2.ExpectNoMsg(TimeSpan.Zero);
        ExpectTerminated(queue);
        Assert.False(Ctx.Directory.HasQueue(Fn));
        foreach (var h in new[] { h1, h2, h3 }) Assert.False(Ctx.Directory.TryGetFunctionOfHandle(h, out _));
    }

    [Fact]
    public void Drop_after_the_last_worker_left()
    {
        var client = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);
        var handle = Submit(client);
        Queue.Tell(new UnregisterWorker(Fn, worker.Ref));

        Assert.Equal("OK\r\n", Admin((r, s) => new DropFunction(Fn, r, s)).Text);
        ExpectWork(client, PacketType.WorkFail, handle);
    }

    [Fact]
    public void Create_function_answers_ok_and_registers_the_queue()
    {
        var reply = Admin((r, s) => new CreateFunction(Fn, r, s));

        Assert.Equal("OK\r\n", reply.Text);
        Assert.True(Ctx.Directory.HasQueue(Fn));
        var stats = Stats();
        Assert.Equal((Fn, 0, 0), (stats.Function, stats.Total, stats.Workers));
    }
}

public sealed class ListenerGoneTests : QueueTestKit
{
    [Fact]
    public void Only_client_of_a_queued_foreground_job_leaving_removes_the_job()
    {
        var client = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);
        var handle = Submit(client, unique: "u");

        Queue.Tell(new ListenerGone(Fn, handle, client.Ref));

        var stats = Stats();
        Assert.Equal((0, 0), (stats.Normal, stats.Total));
        Assert.False(Status(handle).Known);
        Assert.False(Ctx.Directory.TryGetFunctionOfHandle(handle, out _));
        Assert.False(Ctx.Directory.TryGetFunctionOfUnique("u", out _));
        ExpectNoJob(worker);
        client.ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public void The_job_stays_while_another_client_waits()
    {
        var c1 = CreateTestProbe();
        var c2 = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);
        var handle = Submit(c1, unique: "u");
        Submit(c2, unique: "u");

        Queue.Tell(new ListenerGone(Fn, handle, c1.Ref));

        Assert.Equal(1, UniqueStatusOf("u").Clients);
        var job = Grab(worker);
        Finish(worker, job, Work(PacketType.WorkComplete, handle, "r"));
        ExpectWork(c2, PacketType.WorkComplete, handle, "r");
        c1.ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public void A_client_that_submitted_twice_is_removed_entirely()
    {
        var client = CreateTestProbe();
        var handle = Submit(client, unique: "u");
        Submit(client, unique: "u");
        Assert.Equal(2, UniqueStatusOf("u").Clients);

        Queue.Tell(new ListenerGone(Fn, handle, client.Ref));

        Assert.Equal(0, Stats().Total);
    }

    [Fact]
    public void A_background_job_outlives_a_foreground_client_that_joined_it()
    {
        var bg = CreateTestProbe();
        var fg = CreateTestProbe();
        var handle = Submit(bg, unique: "u", background: true);
        Submit(fg, unique: "u");

        Queue.Tell(new ListenerGone(Fn, handle, fg.Ref));

        Assert.Equal(1, Stats().Normal);
        Assert.Equal(0, UniqueStatusOf("u").Clients);
    }

    [Fact]
    public void Listener_gone_for_an_unknown_handle_is_ignored()
    {
        var client = CreateTestProbe();
        Submit(client);
        Queue.Tell(new ListenerGone(Fn, "H:test:404", client.Ref));
        Assert.Equal(1, Stats().Normal);
    }
}
