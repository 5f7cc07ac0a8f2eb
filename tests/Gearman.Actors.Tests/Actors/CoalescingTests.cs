using Akka.Actor;
using Gearman.Actors.Jobs;
using Gearman.Actors.Protocol;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Tests.Actors;

public sealed class CoalescingTests : QueueTestKit
{
    [Fact]
    public void Same_unique_joins_the_queued_job_and_every_client_gets_the_result()
    {
        var c1 = CreateTestProbe();
        var c2 = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);

        var handle = Submit(c1, "first", unique: "u");
        Assert.Equal(handle, Submit(c2, "second", unique: "u"));
        Assert.Equal(1, Stats().Normal);

        var job = Grab(worker);
        Assert.Equal("first", Text(job.Data)); // the first submission's data
        ExpectNoJob(worker);

        Send(worker, job, Work(PacketType.WorkComplete, handle, "done"));
        ExpectWork(c1, PacketType.WorkComplete, handle, "done");
        ExpectWork(c2, PacketType.WorkComplete, handle, "done");
    }

    [Fact]
    public void Coalesced_submit_keeps_the_first_priority()
    {
        var c1 = CreateTestProbe();
        var c2 = CreateTestProbe();
        var handle = Submit(c1, unique: "u", priority: Priority.Low);
        Assert.Equal(handle, Submit(c2, unique: "u", priority: Priority.High));

        var stats = Stats();
        Assert.Equal((0, 0, 1), (stats.High, stats.Normal, stats.Low));
    }

    [Fact]
    public void Dash_unique_coalesces_on_the_payload()
    {
        var c1 = CreateTestProbe();
        var c2 = CreateTestProbe();

        var a = Submit(c1, "payload", unique: "-");
        Assert.Equal(a, Submit(c2, "payload", unique: "-"));
        var b = Submit(c2, "other", unique: "-");
        Assert.NotEqual(a, b);
        // A real unique equal to the payload is a different key.
        Assert.NotEqual(a, Submit(c2, "x", unique: "payload"));

        Assert.Equal(3, Stats().Normal);
        // A payload key is not a unique a client can look up.
        Assert.False(UniqueStatusOf("other").Known);
        Assert.True(UniqueStatusOf("payload").Known); // the job with the real unique
        Assert.False(Ctx.Directory.TryGetFunctionOfUnique("-", out _));
    }

    [Fact]
    public void Dash_unique_with_empty_payload_and_empty_unique_never_coalesce()
    {
        var client = CreateTestProbe();

        var a = Submit(client, "", unique: "-");
        var b = Submit(client, "", unique: "-");
        var c = Submit(client, "same", unique: "");
        var d = Submit(client, "same", unique: "");

        Assert.Equal(4, new[] { a, b, c, d }.Distinct().Count());
        Assert.Equal(4, Stats().Normal);
    }

    [Fact]
    public void Foreground_submit_joins_a_running_job_through_its_actor()
    {
        var c1 = CreateTestProbe();
        var c2 = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);
        var handle = Submit(c1, unique: "u");
        var job = Grab(worker);
        Send(worker, job, Work(PacketType.WorkData, handle, "early"));
        ExpectWork(c1, PacketType.WorkData, handle, "early");

        // The submit is forwarded to the job actor, which answers the new client's slot with the running job's handle.
        Assert.Equal(handle, Submit(c2, unique: "u"));
        Assert.Equal(2, UniqueStatusOf("u").Clients);

        Send(worker, job, Work(PacketType.WorkData, handle, "late"));
        Finish(worker, job, Work(PacketType.WorkComplete, handle, "result"));
        ExpectWork(c1, PacketType.WorkData, handle, "late");
        ExpectWork(c1, PacketType.WorkComplete, handle, "result");
        ExpectWork(c2, PacketType.WorkData, handle, "late");
        ExpectWork(c2, PacketType.WorkComplete, handle, "result");
        c2.ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public void Background_submit_with_the_same_unique_returns_the_same_handle()
    {
        var c1 = CreateTestProbe();
        var c2 = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);

        var handle = Submit(c1, unique: "bg", background: true);
        Assert.Equal(handle, Submit(c2, unique: "bg", background: true));
        Assert.Equal(1, Stats().Normal);

        var job = Grab(worker);
        Assert.Equal(handle, Submit(c2, unique: "bg", background: true)); // also while it runs
        Finish(worker, job, Work(PacketType.WorkComplete, handle));
        c1.ExpectNoMsg(TimeSpan.Zero);
        c2.ExpectNoMsg(TimeSpan.Zero); // background submitters are not listeners
    }

    [Fact]
    public void Foreground_client_joining_a_background_job_gets_its_result()
    {
        var bg = CreateTestProbe();
        var fg = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);
        var handle = Submit(bg, unique: "u", background: true);
        Assert.Equal(handle, Submit(fg, unique: "u"));

        var job = Grab(worker);
        Finish(worker, job, Work(PacketType.WorkComplete, handle, "r"));

        ExpectWork(fg, PacketType.WorkComplete, handle, "r");
        bg.ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public void Coalesced_submit_bypasses_maxqueue()
    {
        var client = CreateTestProbe();
        var handle = Submit(client, unique: "u");
        Queue.Tell(new Admin.SetMaxQueue(Fn, 1, 1, 1, ActorRefs.Nobody, 0));

        Assert.Equal(handle, Submit(client, unique: "u"));
        Assert.Equal(handle, Submit(client, unique: "u", background: true));
        var seq = SendSubmit(client, unique: "v");
        Assert.Equal(new SubmitRejected(seq, ErrorCode.QueueError, "Job queue is full"), client.ExpectMsg<SubmitRejected>());
    }

    [Fact]
    public void After_the_job_ends_the_unique_starts_a_new_job()
    {
        var client = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);
        var first = Submit(client, unique: "u");
        var job = Grab(worker);
        Finish(worker, job, Work(PacketType.WorkComplete, first));
        ExpectWork(client, PacketType.WorkComplete, first);

        var second = Submit(client, unique: "u");

        Assert.NotEqual(first, second);
        Assert.Equal(second, Grab(worker).Handle);
    }

    [Fact]
    public void Unique_status_reports_clients_of_a_queued_job()
    {
        var c1 = CreateTestProbe();
        var c2 = CreateTestProbe();
        Submit(c1, unique: "u");
        Submit(c2, unique: "u");

        Assert.Equal(new UniqueStatus(0, "u", true, false, "0", "0", 2), UniqueStatusOf("u") with { Seq = 0 });
        Assert.Equal(UniqueStatus.Unknown(0, "nope"), UniqueStatusOf("nope") with { Seq = 0 });
        Assert.True(Ctx.Directory.TryGetFunctionOfUnique("u", out var fn));
        Assert.Equal(Fn, fn);
    }
}
