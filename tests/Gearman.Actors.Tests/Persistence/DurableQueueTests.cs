using System.Buffers;
using System.Text;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using Gearman.Actors.Admin;
using Gearman.Actors.Hosting;
using Gearman.Actors.Jobs;
using Gearman.Actors.Protocol;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Tests.Persistence;

/// <summary>
/// A durable queue (its journal on Akka's in-memory journal here) gives back its pending background jobs when it
/// starts again: same handles, same order, uniques still coalescing, finished jobs gone.
/// </summary>
public sealed class DurableQueueTests : Akka.TestKit.Xunit2.TestKit
{
    private BrokerContext _ctx = new(new BrokerSettings { HandlePrefix = "H:d", QueueType = "sqlite", SnapshotEvery = 5 });
    private long _seq;

    public DurableQueueTests() : this(Path.Combine(Path.GetTempPath(), "gearman-snapshots-" + Guid.NewGuid().ToString("N")))
    {
    }

    private DurableQueueTests(string snapshotDir) : base(ConfigurationFactory.ParseString($$"""
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.local"
        akka.persistence.snapshot-store.local.dir = "{{snapshotDir.Replace("\\", "/")}}"
        akka.actor.provider = local
        """).WithFallback(GearmanBroker.DefaultConfig))
    {
    }

    private IActorRef StartQueue()
    {
        var probe = CreateTestProbe();
        var queue = Sys.ActorOf(FunctionQueue.Props(_ctx, sharded: false), "fn%3Adurable");
        probe.Watch(queue);
        return queue;
    }

    private void StopQueue(IActorRef queue)
    {
        var probe = CreateTestProbe();
        probe.Watch(queue);
        Sys.Stop(queue);
        probe.ExpectTerminated(queue);
    }

    private string SubmitBg(IActorRef queue, TestProbe client, string data, string unique = "", Priority priority = Priority.Normal)
    {
        var seq = ++_seq;
        queue.Tell(new Submit("durable", unique, new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(data)), priority, true, 0, "", client.Ref, seq));
        var accepted = client.ExpectMsg<JobAccepted>(TimeSpan.FromSeconds(5));
        Assert.Equal(seq, accepted.Seq);
        return accepted.Handle;
    }

    /// <summary>The JOB_CREATED answers of pipelined submits, which a write hands a connection in one batch.</summary>
    private static List<JobAccepted> ExpectAccepted(TestProbe client, int count)
    {
        var accepted = new List<JobAccepted>();
        while (accepted.Count < count)
        {
            var m = client.ExpectMsg<object>(TimeSpan.FromSeconds(10));
            if (m is Gearman.Actors.Persistence.ReplyBatch batch) accepted.AddRange(batch.Replies.Cast<JobAccepted>());
            else accepted.Add(Assert.IsType<JobAccepted>(m));
        }
        return accepted;
    }

    private List<(string Handle, string Data)> Drain(IActorRef queue, int max, bool complete)
    {
        var worker = CreateTestProbe();
        queue.Tell(new RegisterWorker("durable", worker.Ref, 0));
        worker.ExpectMsg<WorkerRegistered>();
        var got = new List<(string, string)>();
        for (var i = 0; i < max; i++)
        {
            queue.Tell(new Grab("durable", worker.Ref, GrabKind.Plain, Priority.Low, ++_seq));
            var reply = worker.ExpectMsg<ISlotReply>(TimeSpan.FromSeconds(5));
            if (reply is not JobAssigned job) break;
            got.Add((job.Handle, Encoding.Latin1.GetString(job.Data.ToArray())));
            if (complete) job.Job.Tell(new WorkEvent(PacketType.WorkComplete, job.Handle, ReadOnlySequence<byte>.Empty), worker.Ref);
        }
        queue.Tell(new UnregisterWorker("durable", worker.Ref));
        return got;
    }

    private QueueStats Stats(IActorRef queue)
    {
        var probe = CreateTestProbe();
        queue.Tell(new GetQueueStats("durable", probe.Ref, true));
        return probe.ExpectMsg<QueueStats>(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Pending_background_jobs_come_back_in_order_with_their_handles_after_a_restart()
    {
        var client = CreateTestProbe();
        var queue = StartQueue();
        var low = SubmitBg(queue, client, "low-1", priority: Priority.Low);
        var handles = Enumerable.Range(1, 12).Select(i => SubmitBg(queue, client, "n-" + i)).ToList();
        var high = SubmitBg(queue, client, "high-1", "uniq-h", Priority.High);
        // Three finish before the restart (and more than SnapshotEvery events were written, so a snapshot is used).
        var done = Drain(queue, 3, complete: true);
        Assert.Equal(new[] { "high-1", "n-1", "n-2" }, done.Select(d => d.Data));
        var forgetting = Stats(queue); // a round trip, so the completions reached the queue before it stops
        Assert.Equal(11, forgetting.Normal + forgetting.Low);
        StopQueue(queue);

        var again = StartQueue();
        var stats = Stats(again);
        Assert.Equal((0, 10, 1, 0), (stats.High, stats.Normal, stats.Low, stats.Running));
        // A coalescing key survives: a new submit with the finished job's unique is a new job, not the old handle.
        var coalesced = SubmitBg(again, client, "other", "uniq-h");
        Assert.NotEqual(high, coalesced);
        var rest = Drain(again, 20, complete: true);
        Assert.Equal(Enumerable.Range(3, 10).Select(i => "n-" + i).Append("other").Append("low-1"), rest.Select(r => r.Data));
        Assert.Equal(handles.Skip(2).Append(coalesced).Append(low), rest.Select(r => r.Handle));
    }

    [Fact]
    public void A_job_running_when_the_queue_stopped_is_pending_again_after_the_restart()
    {
        var client = CreateTestProbe();
        var queue = StartQueue();
        var handle = SubmitBg(queue, client, "in-flight", "u-run");
        var taken = Drain(queue, 1, complete: false);
        Assert.Equal(handle, taken.Single().Handle);
        StopQueue(queue);

        var again = StartQueue();
        // The unique still finds the recovered job.
        var seq = ++_seq;
        again.Tell(new Submit("durable", "u-run", ReadOnlySequence<byte>.Empty, Priority.Normal, true, 0, "", client.Ref, seq));
        Assert.Equal(new JobAccepted(seq, handle), client.ExpectMsg<JobAccepted>(TimeSpan.FromSeconds(5)));
        Assert.Equal(new[] { (handle, "in-flight") }, Drain(again, 5, complete: true));
        // The completion may still be on its way from the job actor; once it is in, a later submit's write is durable
        // only after the removal's (writes complete in order).
        AwaitAssert(() => Assert.Equal(0, Stats(again).Total), TimeSpan.FromSeconds(5));
        SubmitBg(again, client, "marker");
        StopQueue(again);

        // The finished job does not come back: only the marker does.
        var third = StartQueue();
        Assert.Equal(new[] { "marker" }, Drain(third, 5, complete: true).Select(d => d.Data));
    }

    [Fact]
    public void Submits_that_arrive_during_a_write_share_the_next_one_and_all_come_back_in_order()
    {
        var client = CreateTestProbe();
        var queue = StartQueue();
        const int jobs = 300;
        var first = _seq + 1;
        for (var i = 0; i < jobs; i++)
            queue.Tell(new Submit("durable", "", new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes("b-" + i)), Priority.Normal, true, 0, "",
                client.Ref, ++_seq));
        var accepted = ExpectAccepted(client, jobs);
        Assert.Equal(Enumerable.Range(0, jobs).Select(i => first + i), accepted.Select(a => a.Seq).Order());
        Assert.Equal(jobs, accepted.Select(a => a.Handle).Distinct().Count());

        // Group commit: the journal holds fewer writes than jobs.
        var replay = CreateTestProbe();
        Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null).Tell(
            new Akka.Persistence.ReplayMessages(0, long.MaxValue, 0, Gearman.Actors.Persistence.QueueRevival.PersistencePrefix + "fn%3Adurable", replay.Ref));
        var highest = replay.ExpectMsg<Akka.Persistence.RecoverySuccess>(TimeSpan.FromSeconds(5)).HighestSequenceNr;
        Assert.InRange(highest, 1, jobs / 2);

        StopQueue(queue);
        var again = StartQueue();
        var back = Drain(again, jobs + 1, complete: true);
        Assert.Equal(Enumerable.Range(0, jobs).Select(i => "b-" + i), back.Select(b => b.Data));
    }

    [Fact]
    public void With_several_writes_in_flight_and_frequent_snapshots_every_unfinished_job_comes_back_in_order()
    {
        // Batches of at most 3 go out without waiting, and a snapshot is due every few jobs: snapshots then ride on
        // writes while others are still in flight, and old events are deleted under them.
        _ctx = new BrokerContext(new BrokerSettings { HandlePrefix = "H:m", QueueType = "sqlite", SnapshotEvery = 4, WriteBatch = 3 });
        var client = CreateTestProbe();
        var queue = StartQueue();
        const int jobs = 200;
        for (var i = 0; i < jobs; i++)
            queue.Tell(new Submit("durable", "", new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes("m-" + i)), Priority.Normal, true, 0, "",
                client.Ref, ++_seq));
        ExpectAccepted(client, jobs);
        var done = Drain(queue, 50, complete: true);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => "m-" + i), done.Select(d => d.Data));
        // The last completions may still be on their way from the job actors to the queue.
        AwaitAssert(() => Assert.Equal((jobs - 50, 0), (Stats(queue).Normal, Stats(queue).Running)), TimeSpan.FromSeconds(5));
        // Writes complete in order, so once this submit is acknowledged, so are the removals written before it.
        SubmitBg(queue, client, "last");
        StopQueue(queue);

        var again = StartQueue();
        var back = Drain(again, jobs, complete: true);
        Assert.Equal(Enumerable.Range(50, jobs - 50).Select(i => "m-" + i).Append("last"), back.Select(b => b.Data));
    }
}
