using System.Diagnostics;
using Akka.Actor;
using Akka.TestKit;
using Gearman.Actors.Jobs;
using Gearman.Actors.Protocol;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Tests.Actors;

public sealed class CanDoTimeoutTests : QueueTestKit
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(3);

    [Fact]
    public void Timed_out_job_is_revoked_requeued_and_can_be_grabbed_again()
    {
        var client = CreateTestProbe();
        var slow = CreateTestProbe();
        var sleeper = CreateTestProbe();
        Register(slow, timeoutMs: 1000);
        Register(sleeper);
        var handle = Submit(client, "data");
        var clock = Stopwatch.StartNew();
        var first = Grab(slow);
        Sleeping(sleeper);

        Assert.Equal(new JobRevoked(handle), slow.ExpectMsg<JobRevoked>(Limit));
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(900), Limit);
        sleeper.ExpectMsg<Wake>(Limit); // sent once the job is back in its lane
        client.ExpectNoMsg(TimeSpan.Zero); // requeued silently, not failed

        var stats = Stats();
        Assert.Equal((1, 0), (stats.Normal, stats.Running));
        Assert.Equal(1, Assert.Single(stats.Jobs).Retries);

        var again = Grab(slow);
        Assert.Equal(handle, again.Handle);
        Assert.NotEqual(first.Job, again.Job);

        // The slow worker's late result for the revoked assignment reaches nobody.
        Send(slow, first, Work(PacketType.WorkComplete, handle, "late"));
        client.ExpectNoMsg(Short);
        Send(slow, again, Work(PacketType.WorkComplete, handle, "ok"));
        ExpectWork(client, PacketType.WorkComplete, handle, "ok");
    }

    [Fact]
    public void Timeouts_below_one_second_are_raised_to_one_second_and_a_quick_worker_is_not_revoked()
    {
        var client = CreateTestProbe();
        var quick = CreateTestProbe();
        var slow = CreateTestProbe();
        Register(quick, timeoutMs: 1);
        Register(slow, timeoutMs: 1);
        var h1 = Submit(client, "a");
        var h2 = Submit(client, "b");
        var clock = Stopwatch.StartNew();
        var done = Grab(quick);
        Grab(slow);

        Finish(quick, done, Work(PacketType.WorkComplete, h1));
        ExpectWork(client, PacketType.WorkComplete, h1);

        Assert.Equal(new JobRevoked(h2), slow.ExpectMsg<JobRevoked>(Limit));
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(900), $"revoked after {clock.Elapsed}");
        quick.ExpectNoMsg(TimeSpan.Zero);
    }
}
