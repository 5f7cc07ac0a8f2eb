using System.Buffers;
using Akka.TestKit;
using Gearman.Actors.Persistence;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Tests.Persistence;

/// <summary>
/// A queue's group commit, against a probe in the store's place: one write in flight, everything that arrives
/// meanwhile in the next one, replies only with the write that makes them true, and snapshots that match the
/// write they ride on.
/// <para>
/// DurableWrites is a plain class called on the test thread, and a probe's TestActor runs on the calling thread
/// (Akka.TestKit's CallingThreadDispatcher), so whatever a call sends is in the probe's queue when it returns:
/// "nothing was sent" is checked at once, with <c>ExpectNoMsg(TimeSpan.Zero)</c>, and waiting longer would prove
/// nothing more.
/// </para>
/// </summary>
public sealed class DurableWritesTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly TestProbe _store;
    private readonly TestProbe _client;
    private readonly List<StoredJob> _pending = new();
    private DurableWrites _writes;

    public DurableWritesTests()
    {
        _store = CreateTestProbe();
        _client = CreateTestProbe();
        _writes = New(maxBatch: 100, snapshotEvery: 1000);
    }

    private DurableWrites New(int maxBatch, int snapshotEvery) =>
        new(_store.Ref, maxBatch, StoreConfig.LargestWrite, snapshotEvery, () => _pending.Count, () => _pending.ToList(), _ => { });

    private static StoredJob Job(string handle) =>
        new("fn", handle, "", null, ReadOnlySequence<byte>.Empty, Priority.Normal, 0, "");

    private void Submit(string handle, long seq)
    {
        var job = Job(handle);
        _pending.Add(job);
        _writes.Store(job, _client.Ref, seq);
    }

    private WriteJobs ExpectWrite() => _store.ExpectMsg<WriteJobs>(TimeSpan.FromSeconds(3));

    [Fact]
    public void Jobs_that_arrive_during_a_write_go_out_together_in_the_next_one()
    {
        Submit("H:1", 1);
        var first = ExpectWrite();
        Assert.Equal(new[] { "H:1" }, first.Event.Stored.Select(j => j.Handle));

        Submit("H:2", 2);
        Submit("H:3", 3);
        _writes.Forget("H:1", _client.Ref, 4);
        _store.ExpectNoMsg(TimeSpan.Zero);
        _client.ExpectNoMsg(TimeSpan.Zero);

        first.Replies.Send();
        Assert.Equal(new JobAccepted(1, "H:1"), _client.ExpectMsg<JobAccepted>());
        _writes.Written();
        var second = ExpectWrite();
        Assert.Equal(new[] { "H:2", "H:3" }, second.Event.Stored.Select(j => j.Handle));
        Assert.Equal(new[] { "H:1" }, second.Event.Removed);

        // A connection gets a write's replies for it in one message, in order.
        second.Replies.Send();
        Assert.Equal(new ISlotReply[] { new JobAccepted(2, "H:2"), new JobAccepted(3, "H:3"), new Acknowledged(4) },
            _client.ExpectMsg<ReplyBatch>().Replies);
        _writes.Written();
        _store.ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public void A_submit_that_joins_a_job_is_answered_when_the_writes_before_it_are_durable()
    {
        // Nothing in flight: answered at once.
        _writes.AckWhenDurable("H:0", _client.Ref, 1);
        Assert.Equal(new JobAccepted(1, "H:0"), _client.ExpectMsg<JobAccepted>());

        Submit("H:1", 2);
        var write = ExpectWrite();
        // Joins the job that is being written: waits for that write, though nothing new needs writing.
        _writes.AckWhenDurable("H:1", _client.Ref, 3);
        _client.ExpectNoMsg(TimeSpan.Zero);
        write.Replies.Send();
        Assert.Equal(2, _client.ExpectMsg<JobAccepted>().Seq);
        _client.ExpectNoMsg(TimeSpan.Zero);
        _writes.Written();
        Assert.Equal(new JobAccepted(3, "H:1"), _client.ExpectMsg<JobAccepted>());
        _store.ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public void A_full_batch_goes_out_without_waiting_for_the_write_in_flight()
    {
        _writes = New(maxBatch: 3, snapshotEvery: 1000);
        Submit("H:1", 1);
        ExpectWrite();
        Submit("H:2", 2);
        Submit("H:3", 3);
        _store.ExpectNoMsg(TimeSpan.Zero);
        Submit("H:4", 4);
        Assert.Equal(new[] { "H:2", "H:3", "H:4" }, ExpectWrite().Event.Stored.Select(j => j.Handle));
    }

    [Fact]
    public void A_snapshot_rides_on_the_write_after_which_it_is_true()
    {
        _writes = New(maxBatch: 100, snapshotEvery: 3);
        Submit("H:1", 1);
        Assert.Null(ExpectWrite().Snapshot);
        Submit("H:2", 2);
        Submit("H:3", 3);
        _writes.Written();
        var write = ExpectWrite();
        // Three jobs written, three pending: due; it lists the queue's jobs including this write's.
        Assert.Equal(new[] { "H:1", "H:2", "H:3" }, write.Snapshot!.Jobs.Select(j => j.Handle));

        _pending.RemoveAt(0);
        _writes.Forget("H:1", null, 0);
        _writes.Written();
        Assert.Null(ExpectWrite().Snapshot);
    }

    [Fact]
    public void Writes_a_lost_store_did_not_confirm_go_first_to_the_next_store_and_their_replies_go_once()
    {
        Submit("H:1", 1);
        var unconfirmed = ExpectWrite();
        _writes.StoreLost();
        _writes.Forget("H:0", _client.Ref, 9);
        _store.ExpectNoMsg(TimeSpan.Zero);

        var next = CreateTestProbe();
        _writes.StoreBack(next.Ref);
        Assert.Same(unconfirmed, next.ExpectMsg<WriteJobs>());
        next.ExpectNoMsg(TimeSpan.Zero);

        // The lost store may have made the write durable after all; both confirmations reply only once.
        unconfirmed.Replies.Send();
        unconfirmed.Replies.Send();
        Assert.Equal(new JobAccepted(1, "H:1"), _client.ExpectMsg<JobAccepted>());
        _client.ExpectNoMsg(TimeSpan.Zero);
        _writes.Written();
        var removal = next.ExpectMsg<WriteJobs>();
        Assert.Equal(new[] { "H:0" }, removal.Event.Removed);
        removal.Replies.Send();
        Assert.Equal(new Acknowledged(9), _client.ExpectMsg<Acknowledged>());
    }
}
