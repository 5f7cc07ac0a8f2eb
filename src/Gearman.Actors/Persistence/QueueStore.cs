using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace Gearman.Actors.Persistence;

/// <summary>
/// The durable half of a function queue: it journals the queue's background jobs and gives them back after a
/// restart or a move to another node. Writes use PersistAsync, so the journal groups many submits and removals
/// into one database round trip. Snapshots plus deleting older events keep the journal as
/// small as the set of pending jobs.
/// </summary>
public sealed class QueueStore : UntypedPersistentActor
{
    private readonly string _persistenceId;
    private readonly IActorRef _queue;
    private readonly int _snapshotEvery;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    /// <summary>Pending jobs with the order they were stored in, so recovery keeps FIFO.</summary>
    private readonly Dictionary<string, (long Order, StoredJob Job)> _pending = new(StringComparer.Ordinal);
    private long _order;
    private int _sinceSnapshot;

    public QueueStore(string persistenceId, IActorRef queue, int snapshotEvery)
    {
        _persistenceId = persistenceId;
        _queue = queue;
        _snapshotEvery = snapshotEvery;
    }

    public override string PersistenceId => _persistenceId;

    public static Props Props(string persistenceId, IActorRef queue, int snapshotEvery) =>
        Akka.Actor.Props.Create(() => new QueueStore(persistenceId, queue, snapshotEvery));

    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer { Snapshot: PendingJobsSnapshot s }:
                _pending.Clear();
                foreach (var job in s.Jobs) Add(job);
                break;
            case JobStored e:
                Add(e.Job);
                break;
            case JobsRemoved e:
                foreach (var h in e.Handles) _pending.Remove(h);
                break;
            case RecoveryCompleted:
                _queue.Tell(new StoreRecovered(Ordered()));
                break;
        }
    }

    protected override void OnCommand(object message)
    {
        switch (message)
        {
            case StoreJob m:
                PersistAsync(new JobStored(m.Job), e =>
                {
                    Add(e.Job);
                    _queue.Tell(new JobDurable(m.Job.Handle, m.Client, m.Seq));
                    Written();
                });
                break;
            case AckWhenDurable m:
                DeferAsync(m, a => _queue.Tell(new JobDurable(a.Handle, a.Client, a.Seq)));
                break;
            case ForgetJob m:
                // Written at once: a finished job must not come back after a stop. The journal still groups these
                // writes with the others in flight.
                PersistAsync(new JobsRemoved(new[] { m.Handle }), e =>
                {
                    foreach (var h in e.Handles) _pending.Remove(h);
                    m.AckTo?.Tell(new Queues.Acknowledged(m.AckSeq));
                    Written();
                });
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

    private void Add(StoredJob job) => _pending[job.Handle] = (++_order, job);

    /// <summary>
    /// Snapshots once the events since the last one outnumber a quarter of the pending jobs (and at least the
    /// configured count): each event then costs a bounded share of a snapshot, and recovery replays at most that many events.
    /// </summary>
    private void Written()
    {
        if (++_sinceSnapshot < Math.Max(_snapshotEvery, _pending.Count / 4)) return;
        _sinceSnapshot = 0;
        SaveSnapshot(new PendingJobsSnapshot(Ordered()));
    }

    private List<StoredJob> Ordered() => _pending.Values.OrderBy(p => p.Order).Select(p => p.Job).ToList();

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _log.Error(cause, "event=journal-write-failed persistence-id={0}", _persistenceId);
        base.OnPersistFailure(cause, @event, sequenceNr);
    }
}
