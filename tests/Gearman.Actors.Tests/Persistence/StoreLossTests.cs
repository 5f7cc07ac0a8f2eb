using System.Buffers;
using System.Text;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.Persistence.TestKit;
using Akka.TestKit;
using Gearman.Actors.Hosting;
using Gearman.Actors.Jobs;
using Gearman.Actors.Protocol;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Tests.Persistence;

/// <summary>
/// A durable queue whose database fails (Akka.Persistence.TestKit's journal, told to fail writes or recoveries)
/// keeps its jobs, refuses background submits at once while it has no store, and writes what was not confirmed to
/// the store that replaces the lost one, so no acknowledged job is lost and none is written as done too early.
/// </summary>
public sealed class StoreLossTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly BrokerContext _ctx = new(new BrokerSettings { HandlePrefix = "H:l", QueueType = "sqlite" });
    private long _seq;

    public StoreLossTests() : this(Path.Combine(Path.GetTempPath(), "gearman-snapshots-" + Guid.NewGuid().ToString("N")))
    {
    }

    private StoreLossTests(string snapshotDir) : base(ConfigurationFactory.ParseString($$"""
        akka.persistence.journal.plugin = "akka.persistence.journal.test"
        akka.persistence.journal.test {
          class = "Akka.Persistence.TestKit.TestJournal, Akka.Persistence.TestKit"
          plugin-dispatcher = "akka.actor.default-dispatcher"
        }
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.local"
        akka.persistence.snapshot-store.local.dir = "{{snapshotDir.Replace("\\", "/")}}"
        akka.actor.provider = local
        akka.loglevel = INFO
        """).WithFallback(GearmanBroker.DefaultConfig))
    {
    }

    private ITestJournal Journal => TestJournal.FromRef(Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null));

    private IActorRef StartQueue() => Sys.ActorOf(FunctionQueue.Props(_ctx, sharded: false), "fn%3Alossy");

    private void StopQueue(IActorRef queue)
    {
        var probe = CreateTestProbe();
        probe.Watch(queue);
        Sys.Stop(queue);
        probe.ExpectTerminated(queue);
    }

    private long Submit(IActorRef queue, TestProbe client, string data, bool background = true)
    {
        var seq = ++_seq;
        queue.Tell(new Submit("lossy", "", new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(data)), Priority.Normal, background, 0, "",
            client.Ref, seq));
        return seq;
    }

    private string SubmitAccepted(IActorRef queue, TestProbe client, string data)
    {
        var seq = Submit(queue, client, data);
        var accepted = client.ExpectMsg<JobAccepted>(Wait);
        Assert.Equal(seq, accepted.Seq);
        return accepted.Handle;
    }

    private List<(string Handle, string Data)> Drain(IActorRef queue)
    {
        var worker = CreateTestProbe();
        queue.Tell(new RegisterWorker("lossy", worker.Ref, 0));
        worker.ExpectMsg<WorkerRegistered>(Wait);
        var got = new List<(string, string)>();
        while (true)
        {
            queue.Tell(new Grab("lossy", worker.Ref, GrabKind.Plain, Priority.Low, ++_seq));
            if (worker.ExpectMsg<ISlotReply>(Wait) is not JobAssigned job) return got;
            got.Add((job.Handle, Encoding.Latin1.GetString(job.Data.ToArray())));
            job.Job.Tell(new WorkEvent(PacketType.WorkComplete, job.Handle, ReadOnlySequence<byte>.Empty), worker.Ref);
        }
    }

    /// <summary>Log events from now on, to wait for the queue's store-lost and store-back lines.</summary>
    private TestProbe WatchLog()
    {
        var log = CreateTestProbe();
        Sys.EventStream.Subscribe(log.Ref, typeof(LogEvent));
        return log;
    }

    private static void AwaitLog(TestProbe log, string text) =>
        log.FishForMessage(m => m is LogEvent e && e.ToString().Contains(text), Wait);

    /// <summary>The database is down: writes and recoveries fail alike, so the queue stays without a store until <see cref="Heal"/>.</summary>
    private Task Break() => Journal.OnConnect.Fail();

    private Task Heal() => Journal.OnConnect.Pass();

    [Fact]
    public async Task A_failed_write_is_written_again_to_the_next_store_and_its_client_answered_then()
    {
        var client = CreateTestProbe();
        var queue = StartQueue();
        var first = SubmitAccepted(queue, client, "before");

        await Break();
        var log = WatchLog();
        var waiting = CreateTestProbe();
        Submit(queue, waiting, "during");
        AwaitLog(log, "event=store-lost");
        // Until a store has the job, its client hears nothing, and new background jobs are refused.
        var refusedSeq = Submit(queue, client, "refused");
        Assert.Equal(new SubmitRejected(refusedSeq, ErrorCode.QueueError, "Job store unavailable"), client.ExpectMsg<SubmitRejected>(Wait));
        waiting.ExpectNoMsg(TimeSpan.Zero); // checked after the queue answered a later message

        await Heal();
        var during = waiting.ExpectMsg<JobAccepted>(Wait).Handle;
        var after = SubmitAccepted(queue, client, "after");
        waiting.ExpectNoMsg(TimeSpan.Zero);
        StopQueue(queue);

        var again = StartQueue();
        Assert.Equal(new[] { (first, "before"), (during, "during"), (after, "after") }, Drain(again));
    }

    [Fact]
    public async Task Without_a_store_foreground_jobs_still_run_and_a_finished_job_is_written_as_done_later()
    {
        var client = CreateTestProbe();
        var queue = StartQueue();
        var done = SubmitAccepted(queue, client, "done");
        var pending = SubmitAccepted(queue, client, "pending");
        var worker = CreateTestProbe();
        queue.Tell(new RegisterWorker("lossy", worker.Ref, 0));
        worker.ExpectMsg<WorkerRegistered>(Wait);
        queue.Tell(new Grab("lossy", worker.Ref, GrabKind.Plain, Priority.Low, ++_seq));
        var job = worker.ExpectMsg<JobAssigned>(Wait);
        Assert.Equal(done, job.Handle);

        await Break();
        var log = WatchLog();
        // The job's end cannot be written: the store goes, and the worker's next reply waits for that write.
        job.Job.Tell(new WorkEvent(PacketType.WorkComplete, job.Handle, ReadOnlySequence<byte>.Empty, AckSeq: 77), worker.Ref);
        AwaitLog(log, "event=store-lost");
        var foreground = Submit(queue, client, "fg", background: false);
        Assert.Equal(foreground, client.ExpectMsg<JobAccepted>(Wait).Seq);
        worker.ExpectNoMsg(TimeSpan.Zero);

        await Heal();
        Assert.Equal(new Acknowledged(77), worker.ExpectMsg<Acknowledged>(Wait));
        queue.Tell(new UnregisterWorker("lossy", worker.Ref));
        var last = SubmitAccepted(queue, client, "last");
        StopQueue(queue);

        var again = StartQueue();
        Assert.Equal(new[] { (pending, "pending"), (last, "last") }, Drain(again));
    }

    [Fact]
    public async Task A_queue_whose_store_cannot_recover_refuses_submits_and_grabs_until_it_can()
    {
        await Break();
        var log = WatchLog();
        var queue = StartQueue();
        AwaitLog(log, "event=store-lost");

        // Everything but submits and grabs waits for the recovery.
        var worker = CreateTestProbe();
        queue.Tell(new RegisterWorker("lossy", worker.Ref, 0));
        var client = CreateTestProbe();
        var seq = Submit(queue, client, "early");
        Assert.Equal(new SubmitRejected(seq, ErrorCode.QueueError, "Job store unavailable"), client.ExpectMsg<SubmitRejected>(Wait));
        queue.Tell(new Grab("lossy", worker.Ref, GrabKind.Plain, Priority.Low, ++_seq));
        Assert.IsType<NoJob>(worker.ExpectMsg<ISlotReply>(Wait));

        await Heal();
        worker.ExpectMsg<WorkerRegistered>(Wait);
        queue.Tell(new UnregisterWorker("lossy", worker.Ref));
        var handle = SubmitAccepted(queue, client, "late");
        Assert.Equal(new[] { (handle, "late") }, Drain(queue));
    }

    [Fact]
    public async Task A_store_that_recovers_but_cannot_write_is_retried_less_and_less_often()
    {
        var client = CreateTestProbe();
        var queue = StartQueue();
        SubmitAccepted(queue, client, "before");
        // A full disk: reads work, writes fail. Each new store recovers, writes again, and is lost again.
        await Journal.OnWrite.Fail();
        var log = WatchLog();
        Submit(queue, client, "stuck");
        AwaitLog(log, "failures=1 retry-in-ms=500");
        AwaitLog(log, "failures=2 retry-in-ms=1000");
        await Journal.OnWrite.Pass();
        client.ExpectMsg<JobAccepted>(TimeSpan.FromSeconds(15));
    }
}
