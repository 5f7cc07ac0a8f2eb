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

        var stats = Stats(); // also a barrier: the queue has handled the job's return
        client.ExpectNoMsg(TimeSpan.Zero); // requeued silently, not failed
        Assert.Equal((1, 0), (stats.Normal, stats.Running));
        Assert.Equal(1, Assert.Single(stats.Jobs).Retries);

        var again = Grab(slow);
        Assert.Equal(handle, again.Handle);
        Assert.NotEqual(first.Job, again.Job);

        // The slow worker's late result for the revoked assignment reaches nobody. The actor of that run was told to
        // stop when its job went back (so that a late result cannot be mistaken for one of a new run); once it is
        // gone it has handled all it ever will, so the client's queue holds whatever it relayed.
        Send(slow, first, Work(PacketType.WorkComplete, handle, "late"));
        Watch(first.Job);
        ExpectTerminated(first.Job);
        client.ExpectNoMsg(TimeSpan.Zero);
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
        // A timer that must not fire can only be checked after its deadline, which is real time: the quick job's
        // timer had the same second as the slow one's and started first, so it was due by now. Its actor answering
        // a query is the barrier: a revocation it sent before is in the worker's queue.
        AwaitHandedBack(done);
        quick.ExpectNoMsg(TimeSpan.Zero);
    }
}
