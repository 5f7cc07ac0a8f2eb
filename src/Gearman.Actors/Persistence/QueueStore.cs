using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace Gearman.Actors.Persistence;

/// <summary>
/// The durable half of a function queue: it journals the queue's background jobs and gives them back after a
/// restart or a move to another node.
/// <para>
/// It writes what its queue hands it: one <see cref="WriteJobs"/> is one journal event, put together by the queue's
/// <see cref="DurableWrites"/> while the write before it was in flight. The queue also hands it the snapshots, built
/// from the queue's own jobs, so the store keeps no copy of what is pending; only a recovery builds one, to give the
/// queue back its jobs in order. Snapshots plus deleting older events keep the journal as small as the set of
/// pending jobs.
/// </para>
/// <para>
/// A failed write or recovery stops it (Akka.Persistence's rule: the journal's state is then unknown); its queue
/// starts a new one and writes again what this one did not confirm.
/// </para>
/// </summary>
public sealed class QueueStore : UntypedPersistentActor
{
    private readonly string _persistenceId;
    private readonly IActorRef _queue;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    /// <summary>While recovering: the jobs pending so far, with the order they were stored in, so recovery keeps FIFO.</summary>
    private Dictionary<string, (long Order, StoredJob Job)>? _recovering = new(StringComparer.Ordinal);
    private long _order;

    public QueueStore(string persistenceId, IActorRef queue)
    {
        _persistenceId = persistenceId;
        _queue = queue;
    }

    public override string PersistenceId => _persistenceId;

    public static Props Props(string persistenceId, IActorRef queue) =>
        Akka.Actor.Props.Create(() => new QueueStore(persistenceId, queue));

    protected override void OnRecover(object message)
    {
        var pending = _recovering!;
        switch (message)
        {
            case SnapshotOffer { Snapshot: PendingJobsSnapshot s }:
                pending.Clear();
                foreach (var job in s.Jobs) Add(pending, job);
                break;
            case JobsWritten e:
                // A job stored and removed within one write was never durable on its own; stores first keeps that right.
                foreach (var job in e.Stored) Add(pending, job);
                foreach (var h in e.Removed) pending.Remove(h);
                break;
            // Journals written before batching hold one event per job.
            case JobStored e:
                Add(pending, e.Job);
                break;
            case JobsRemoved e:
                foreach (var h in e.Handles) pending.Remove(h);
                break;
            case RecoveryCompleted:
                _queue.Tell(new StoreRecovered(Ordered(pending)));
                _recovering = null;
                break;
        }
    }

    protected override void OnCommand(object message)
    {
        switch (message)
        {
            case WriteJobs m:
                long seq = 0;
                PersistAsync(m.Event, _ =>
                {
                    m.Replies.Send();
                    _queue.Tell(JobsDurable.Instance);
                    // The snapshot holds the queue's jobs as they were when it handed this write over: exactly the
                    // effect of every event up to this one, whatever writes have been handed over since.
                    if (m.Snapshot is { } snapshot)
                        SnapshotStore.Tell(new SaveSnapshot(new SnapshotMetadata(SnapshotterId, seq, DateTime.UtcNow), snapshot));
                });
                seq = LastSequenceNr;
                break;
            case SaveSnapshotSuccess s:
                // The snapshot holds everything pending: older events and snapshots are no longer needed.
                DeleteMessages(s.Metadata.SequenceNr);
                DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr - 1));
                break;
            case SaveSnapshotFailure f:
                _log.Warning("event=snapshot-failed persistence-id={0} cause={1}", _persistenceId, f.Cause.Message);
                break;
            case DeleteMessagesSuccess or DeleteSnapshotsSuccess:
                break;
            case DeleteMessagesFailure f:
                _log.Warning("event=journal-cleanup-failed persistence-id={0} cause={1}", _persistenceId, f.Cause.Message);
                break;
            case DeleteSnapshotsFailure f:
                _log.Warning("event=snapshot-cleanup-failed persistence-id={0} cause={1}", _persistenceId, f.Cause.Message);
                break;
        }
    }

    private void Add(Dictionary<string, (long Order, StoredJob Job)> pending, StoredJob job) => pending[job.Handle] = (++_order, job);

    private static List<StoredJob> Ordered(Dictionary<string, (long Order, StoredJob Job)> pending)
    {
        var entries = new (long Order, StoredJob Job)[pending.Count];
        pending.Values.CopyTo(entries, 0);
        Array.Sort(entries, static (a, b) => a.Order.CompareTo(b.Order));
        var jobs = new List<StoredJob>(entries.Length);
        foreach (var entry in entries) jobs.Add(entry.Job);
        return jobs;
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _log.Error(cause, "event=journal-write-failed persistence-id={0}", _persistenceId);
        if (StoreErrors.Refusal(cause) is { } reason) _queue.Tell(new WriteRefused(reason));
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    /// <summary>
    /// A rejected event (the journal could not serialise it) leaves the store running but its write unconfirmed, which
    /// would hold every later write back. Stopping hands the write to the queue's next store, as after a failure,
    /// and <see cref="WriteRefused"/> has the queue take the refused job out of it first.
    /// </summary>
    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        _log.Error(cause, "event=journal-write-rejected persistence-id={0}", _persistenceId);
        _queue.Tell(new WriteRefused(cause.Message));
        Context.Stop(Self);
    }
}
