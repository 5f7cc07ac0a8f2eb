using Akka.Actor;
using Akka.TestKit;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Tests.Actors;

public sealed class SleepWakeTests : QueueTestKit
{
    [Fact]
    public void Sleeping_with_a_job_queued_wakes_at_once()
    {
        var client = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);
        Submit(client);

        Sleeping(worker);

        worker.ExpectMsg<Wake>();
        Barrier();
        Assert.False(worker.HasMessages); // one wake, not one for the sleep and one for the job
    }

    [Fact]
    public void Sleeping_without_a_job_wakes_when_one_arrives()
    {
        var client = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);
        Sleeping(worker);
        Barrier();
        Assert.False(worker.HasMessages);

        Submit(client);

        worker.ExpectMsg<Wake>();
    }

    /// <summary>
    /// When a queue moves, a worker's sleep notice can reach the next home before the worker's registration does (the
    /// old node's region drops the notice and it is given again, while the registration goes straight there). The
    /// worker still sleeps and must be woken when a job comes: ignored, the notice left it asleep while 60,000 jobs
    /// waited (a scale-out run's cleanup stalled).
    /// </summary>
    [Fact]
    public void A_sleep_notice_that_overtakes_the_registration_still_gets_the_worker_woken()
    {
        var client = CreateTestProbe();
        var worker = CreateTestProbe();
        Sleeping(worker);
        Register(worker);
        Barrier();
        Assert.False(worker.HasMessages);

        Submit(client);

        worker.ExpectMsg<Wake>();
    }

    /// <summary>
    /// A grab that reaches the queue after the worker gave up on it (NO_JOB from its connection's grab timeout) and
    /// went to sleep is older than the sleep: the worker still sleeps and must be woken when a job comes. Taken as a
    /// sign of life, a grab held through a queue's move left its worker asleep while 60,000 jobs waited.
    /// </summary>
    [Fact]
    public void A_grab_older_than_the_sleep_does_not_keep_the_worker_from_being_woken()
    {
        var client = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);
        var stale = NextSeq();
        Queue.Tell(new WorkerSleeping(Fn, worker.Ref, AfterSeq: stale));
        Queue.Tell(new Grab(Fn, worker.Ref, GrabKind.Plain, Priority.Low, stale));
        Assert.Equal(stale, worker.ExpectMsg<NoJob>().Seq);

        Submit(client);

        worker.ExpectMsg<Wake>();
    }

    [Fact]
    public void A_running_job_does_not_wake_a_sleeper()
    {
        var client = CreateTestProbe();
        var busy = CreateTestProbe();
        var sleeper = CreateTestProbe();
        Register(busy);
        Register(sleeper);
        Submit(client);
        Grab(busy);

        Sleeping(sleeper);
        Barrier();
        Assert.False(sleeper.HasMessages);
    }

    [Fact]
    public void Only_workers_not_already_woken_get_a_wake()
    {
        var client = CreateTestProbe();
        var early = CreateTestProbe();
        var late = CreateTestProbe();
        Register(early);
        Register(late);
        Sleeping(early);

        Submit(client, "1");
        early.ExpectMsg<Wake>();

        Sleeping(late); // a job is queued: woken at once
        late.ExpectMsg<Wake>();

        Submit(client, "2");
        Submit(client, "3");
        Barrier();
        Assert.False(early.HasMessages); // one wake per sleep, however many jobs arrive
        Assert.False(late.HasMessages);

        // A new sleep (with jobs still queued) earns a new wake.
        Sleeping(early);
        early.ExpectMsg<Wake>();
    }

    [Fact]
    public void Unregistered_workers_are_not_woken()
    {
        var client = CreateTestProbe();
        var worker = CreateTestProbe();
        var stranger = CreateTestProbe();
        Register(worker);
        Sleeping(worker);
        Sleeping(stranger); // never sent CAN_DO
        Queue.Tell(new UnregisterWorker(Fn, worker.Ref));

        Submit(client);
        Barrier();

        Assert.False(worker.HasMessages);
        Assert.False(stranger.HasMessages);
    }

    [Fact]
    public void A_grab_makes_the_worker_awake()
    {
        var client = CreateTestProbe();
        var worker = CreateTestProbe();
        Register(worker);
        Sleeping(worker);
        ExpectNoJob(worker); // woke up on its own and polled

        Submit(client);
        Barrier();
        Assert.False(worker.HasMessages);
    }

    [Fact]
    public void Workers_of_another_function_are_not_woken()
    {
        var client = CreateTestProbe();
        var worker = CreateTestProbe();
        var other = Sys.ActorOf(FunctionQueue.Props(Ctx, sharded: false));
        Register(worker, queue: other, fn: "other");
        Sleeping(worker, queue: other, fn: "other");

        Submit(client);
        Barrier();
        Barrier(other, "other");

        Assert.False(worker.HasMessages);
    }
}

public sealed class WorkerWakeupLimitTests : QueueTestKit
{
    public WorkerWakeupLimitTests() => UseSettings(new BrokerSettings { WorkerWakeup = 2 });

    [Fact]
    public void A_new_job_wakes_at_most_the_configured_number_of_sleepers_rotating()
    {
        var client = CreateTestProbe();
        var ws = Enumerable.Range(0, 5).Select(_ => CreateTestProbe()).ToArray();
        foreach (var w in ws) Register(w);
        foreach (var w in ws) Sleeping(w);
        Barrier();
        Assert.DoesNotContain(ws, w => w.HasMessages);

        Submit(client, "1");
        Barrier();
        Assert.Equal(new[] { 0, 1 }, Woken(ws));

        Submit(client, "2");
        Barrier();
        Assert.Equal(new[] { 2, 3 }, Woken(ws));

        Submit(client, "3");
        Barrier();
        Assert.Equal(new[] { 4 }, Woken(ws)); // the others were already woken

        Submit(client, "4");
        Barrier();
        Assert.Empty(Woken(ws));
    }

    [Fact]
    public void The_limit_does_not_apply_to_a_sleep_with_work_waiting()
    {
        var client = CreateTestProbe();
        var ws = Enumerable.Range(0, 4).Select(_ => CreateTestProbe()).ToArray();
        foreach (var w in ws) Register(w);
        Submit(client);

        foreach (var w in ws) Sleeping(w);

        foreach (var w in ws) w.ExpectMsg<Wake>();
    }

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
