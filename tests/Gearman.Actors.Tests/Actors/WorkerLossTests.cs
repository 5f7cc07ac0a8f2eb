using Akka.Actor;
using Gearman.Actors.Jobs;
using Gearman.Actors.Protocol;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Tests.Actors;

public sealed class WorkerLossTests : QueueTestKit
{
    [Fact]
    public void Dead_worker_returns_its_job_wakes_a_sleeper_and_the_job_can_be_grabbed_again()
    {
        var client = CreateTestProbe();
        var dying = CreateTestProbe();
        var sleeper = CreateTestProbe();
        Register(dying);
        Register(sleeper);
        var handle = Submit(client, "data", unique: "u");
        var first = Grab(dying);
        Send(dying, first, StatusEvent(handle, "5", "9"));
        ExpectWork(client, PacketType.WorkStatus, handle);
        Sleeping(sleeper);
        Barrier();
        sleeper.ExpectNoMsg(TimeSpan.Zero); // nothing to wake it for while the job runs

        Kill(dying);

        sleeper.ExpectMsg<Wake>();
        Barrier(); // the queue has handled the job's return
        client.ExpectNoMsg(TimeSpan.Zero); // requeued silently
        // Requeued: not running, status reset, counted once, with one retry.
        Assert.Equal(new JobStatus(0, handle, true, false, "0", "0"), Status(handle) with { Seq = 0 });
        var stats = Stats();
        Assert.Equal((1, 0, 1), (stats.Normal, stats.Running, stats.Workers));
        Assert.Equal(1, Assert.Single(stats.Jobs).Retries);

        var again = Grab(sleeper);
        Assert.Equal(handle, again.Handle);
        Assert.Equal("data", Text(again.Data));

        // The listener is still attached to the job.
        Send(sleeper, again, Work(PacketType.WorkComplete, handle, "r"));
        ExpectWork(client, PacketType.WorkComplete, handle, "r");
    }

    [Fact]
    public void Released_job_goes_back_to_the_queue()
    {
        // CANT_DO / RESET_ABILITIES: the worker's connection sends ReleaseJob to the job actors it holds.
        var client = CreateTestProbe();
        var worker = CreateTestProbe();
        var sleeper = CreateTestProbe();
        Register(worker);
        Register(sleeper);
        var handle = Submit(client);
        var first = Grab(worker);
        Send(worker, first, StatusEvent(handle, "1", "2"));
        ExpectWork(client, PacketType.WorkStatus, handle);
        Sleeping(sleeper);
        first.Job.Tell(new ReleaseJob(handle), worker.Ref);

        sleeper.ExpectMsg<Wake>();
        Assert.Equal(new JobStatus(0, handle, true, false, "0", "0"), Status(handle) with { Seq = 0 });
        Assert.Equal(1, Assert.Single(Stats().Jobs).Retries);
        var again = Grab(sleeper);
        Assert.Equal(handle, again.Handle);
        Send(sleeper, again, Work(PacketType.WorkComplete, handle, "r"));
        ExpectWork(client, PacketType.WorkComplete, handle, "r");
    }

    [Fact]
    public void Dead_worker_is_no_longer_counted()
    {
        var client = CreateTestProbe();
        var w1 = CreateTestProbe();
        var w2 = CreateTestProbe();
        Register(w1);
        Register(w2);
        Submit(client);
        Assert.Equal(2, Stats().Workers);

        Kill(w1);

        AwaitAssert(() => Assert.Equal(1, Stats().Workers), TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(20));
    }

    [Fact]
    public void By_default_a_job_is_retried_without_limit()
    {
        var client = CreateTestProbe();
        var sleeper = CreateTestProbe();
        Register(sleeper);
        var handle = Submit(client);

        for (var i = 1; i <= 4; i++)
        {
            var worker = CreateTestProbe();
            Register(worker);
            Assert.Equal(handle, Grab(worker).Handle);
            Sleeping(sleeper);
            Kill(worker);
            sleeper.ExpectMsg<Wake>();
            Assert.Equal(i, Assert.Single(Stats().Jobs).Retries);
        }
        client.ExpectNoMsg(TimeSpan.Zero);
    }
}

public sealed class JobRetriesTests : QueueTestKit
{
    public JobRetriesTests() => UseSettings(new BrokerSettings { JobRetries = 2 });

    [Fact]
    public void After_two_worker_deaths_listeners_get_work_fail_and_the_job_is_gone()
    {
        var c1 = CreateTestProbe();
        var c2 = CreateTestProbe();
        var w1 = CreateTestProbe();
        var w2 = CreateTestProbe();
        var w3 = CreateTestProbe();
        Register(w1);
        Register(w2);
        Register(w3);
        var handle = Submit(c1, unique: "u");
        Submit(c2, unique: "u");

        Assert.Equal(handle, Grab(w1).Handle);
        Sleeping(w2);
        Kill(w1);
        w2.ExpectMsg<Wake>();
        Barrier(); // the queue has handled the job's return
        c1.ExpectNoMsg(TimeSpan.Zero); // the first death only requeues

        Assert.Equal(handle, Grab(w2).Handle);
        Kill(w2);

        ExpectWork(c1, PacketType.WorkFail, handle);
        ExpectWork(c2, PacketType.WorkFail, handle);
        Assert.Equal(JobStatus.Unknown(0, handle), Status(handle) with { Seq = 0 });
        var stats = Stats();
        Assert.Equal((0, 0, 0), (stats.Normal, stats.Running, stats.Jobs.Count));
        ExpectNoJob(w3);
        Assert.False(Ctx.Directory.TryGetFunctionOfUnique("u", out _));
    }

    [Fact]
    public void Background_job_is_dropped_after_two_worker_deaths()
    {
        var client = CreateTestProbe();
        var w1 = CreateTestProbe();
        var w2 = CreateTestProbe();
        var w3 = CreateTestProbe();
        Register(w1);
        Register(w2);
        Register(w3);
        var handle = Submit(client, background: true);

        Grab(w1);
        Sleeping(w3);
        Kill(w1);
        w3.ExpectMsg<Wake>();
        Grab(w2);
        Kill(w2);

        AwaitAssert(() => Assert.Equal(0, Stats().Total), TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(20));
        Assert.False(Status(handle).Known);
        ExpectNoJob(w3);
        client.ExpectNoMsg(TimeSpan.Zero);
    }
}
