using Akka.Actor;
using Akka.TestKit;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Tests.Actors;

/// <summary>
/// WorkerSet is a plain class; TestProbes only serve as the worker refs so that wakeups can be observed. It tells on
/// the calling thread, and a probe's TestActor takes a message on the sender's thread, so a wake that a call sent is
/// in the probe's queue when the call returns: "no wake" is checked at once, without waiting.
/// </summary>
public sealed class WorkerSetTests : Akka.TestKit.Xunit2.TestKit
{
    [Fact]
    public void Register_counts_a_worker_once_and_updates_its_timeout()
    {
        var set = new WorkerSet();
        var w = CreateTestProbe();

        Assert.True(set.Register(w.Ref, 0));
        Assert.False(set.Register(w.Ref, 2500));
        Assert.Equal(1, set.Count);
        Assert.True(set.Contains(w.Ref));
        Assert.Equal(2500, set.TimeoutOf(w.Ref));
        Assert.Equal(2500, set.Awake(w.Ref, long.MaxValue, out _));

        Assert.True(set.Unregister(w.Ref, out _));
        Assert.False(set.Unregister(w.Ref, out _));
        Assert.Equal(0, set.Count);
        Assert.False(set.Contains(w.Ref));
        Assert.Equal(0, set.TimeoutOf(w.Ref));
    }

    [Fact]
    public void A_parked_job_actor_goes_to_its_own_worker_once_and_is_handed_back_when_the_worker_leaves()
    {
        var set = new WorkerSet();
        var w = CreateTestProbe();
        var other = CreateTestProbe();
        var runner = CreateTestProbe().Ref;
        var second = CreateTestProbe().Ref;

        Assert.False(set.ParkRunner(w.Ref, runner)); // not registered
        set.Register(w.Ref, 0);
        set.Register(other.Ref, 0);
        Assert.True(set.ParkRunner(w.Ref, runner));
        Assert.False(set.ParkRunner(w.Ref, second)); // one per worker

        set.Awake(other.Ref, long.MaxValue, out var forOther);
        Assert.Null(forOther);
        set.Awake(w.Ref, long.MaxValue, out var forW);
        Assert.Same(runner, forW);
        set.Awake(w.Ref, long.MaxValue, out forW);
        Assert.Null(forW);

        Assert.True(set.ParkRunner(w.Ref, second));
        Assert.True(set.Unregister(w.Ref, out var freed));
        Assert.Same(second, freed);
    }

    [Fact]
    public void Sleep_with_work_waiting_wakes_at_once_and_only_once()
    {
        var set = new WorkerSet();
        var w = CreateTestProbe();
        set.Register(w.Ref, 0);

        set.Sleep(w.Ref, wakeNow: true);
        w.ExpectMsg<Wake>();

        set.WakeSleepers(0);
        Assert.False(w.HasMessages);
    }

    [Fact]
    public void A_sleeper_gets_one_wake_per_sleep()
    {
        var set = new WorkerSet();
        var w = CreateTestProbe();
        set.Register(w.Ref, 0);

        set.WakeSleepers(0);
        Assert.False(w.HasMessages); // not sleeping

        set.Sleep(w.Ref, wakeNow: false);
        Assert.False(w.HasMessages);
        set.WakeSleepers(0);
        set.WakeSleepers(0);
        w.ExpectMsg<Wake>();
        Assert.False(w.HasMessages);

        set.Sleep(w.Ref, wakeNow: false); // a new PRE_SLEEP earns a new wakeup
        set.WakeSleepers(0);
        w.ExpectMsg<Wake>();
    }

    [Fact]
    public void An_awake_worker_is_not_woken()
    {
        var set = new WorkerSet();
        var w = CreateTestProbe();
        set.Register(w.Ref, 0);
        set.Sleep(w.Ref, wakeNow: false);
        set.Awake(w.Ref, long.MaxValue, out _);

        set.WakeSleepers(0);
        Assert.False(w.HasMessages);
    }

    [Fact]
    public void Unregistered_workers_are_ignored()
    {
        var set = new WorkerSet();
        var w = CreateTestProbe();

        set.Sleep(w.Ref, wakeNow: true);
        set.WakeSleepers(0);
        Assert.False(w.HasMessages);

        set.Register(w.Ref, 0);
        set.Sleep(w.Ref, wakeNow: false);
        set.Unregister(w.Ref, out _);
        set.WakeSleepers(0);
        Assert.False(w.HasMessages);
    }

    [Fact]
    public void Limit_zero_wakes_every_sleeper()
    {
        var set = new WorkerSet();
        var ws = Enumerable.Range(0, 4).Select(_ => CreateTestProbe()).ToArray();
        foreach (var w in ws)
        {
            set.Register(w.Ref, 0);
            set.Sleep(w.Ref, wakeNow: false);
        }

        set.WakeSleepers(0);

        foreach (var w in ws) w.ExpectMsg<Wake>();
    }

    [Fact]
    public void Limited_wakeups_rotate_through_the_workers()
    {
        var set = new WorkerSet();
        var ws = Enumerable.Range(0, 3).Select(_ => CreateTestProbe()).ToArray();
        foreach (var w in ws)
        {
            set.Register(w.Ref, 0);
            set.Sleep(w.Ref, wakeNow: false);
        }

        var woken = new List<int>();
        for (var round = 0; round < 4; round++)
        {
            set.WakeSleepers(1);
            var hit = Woken(ws);
            Assert.Single(hit);
            woken.Add(hit[0]);
            set.Sleep(ws[hit[0]].Ref, wakeNow: false); // the woken worker went back to sleep
        }

        Assert.Equal(new[] { 0, 1, 2, 0 }, woken);
    }

    [Fact]
    public void Limit_counts_only_workers_actually_woken()
    {
        var set = new WorkerSet();
        var ws = Enumerable.Range(0, 4).Select(_ => CreateTestProbe()).ToArray();
        foreach (var w in ws) set.Register(w.Ref, 0);
        set.Sleep(ws[1].Ref, wakeNow: false);
        set.Sleep(ws[2].Ref, wakeNow: false);
        set.Sleep(ws[3].Ref, wakeNow: false);

        set.WakeSleepers(2);

        Assert.Equal(new[] { 1, 2 }, Woken(ws));
        set.WakeSleepers(2);
        Assert.Equal(new[] { 3 }, Woken(ws));
    }

    /// <summary>Indexes of the workers holding a Wake, each consumed; WakeSleepers tells synchronously.</summary>
    private static List<int> Woken(TestProbe[] ws)
    {
        var hit = new List<int>();
        for (var i = 0; i < ws.Length; i++)
        {
            if (!ws[i].HasMessages) continue;
            ws[i].ExpectMsg<Wake>();
            Assert.False(ws[i].HasMessages);
            hit.Add(i);
        }
        return hit;
    }
}
