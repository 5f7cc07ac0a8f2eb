using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Persistence;

/// <summary>
/// The durable half of a function queue: it journals the queue's background jobs and gives them back after a
/// restart or a move to another node.
/// <para>
/// Group commit: while one write is in flight, new submits and removals collect in a batch, and the batch goes
/// out as a single event when the write before it is done. Under load each database round trip then carries
/// as many jobs as arrived during the previous one, so throughput follows the arrival rate instead of the
/// write latency. Snapshots plus deleting older events keep the journal as small as the set of pending jobs.
/// </para>
/// </summary>
public sealed class QueueStore : UntypedPersistentActor
{
    /// <summary>
    /// Writes in flight at once. One keeps batches as large as the arrivals allow: each write costs about a
    /// millisecond of CPU in the SQL journal whatever it carries, so under load fewer, larger writes win.
    /// </summary>
    private const int MaxWritesInFlight = 1;

    private readonly string _persistenceId;
    private readonly IActorRef _queue;
    private readonly int _snapshotEvery;
    private readonly int _maxBatch;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    /// <summary>Pending jobs with the order they were stored in, so recovery keeps FIFO.</summary>
    private readonly Dictionary<string, (long Order, StoredJob Job)> _pending = new(StringComparer.Ordinal);
    private long _order;
    private int _sinceSnapshot;
    private int _writesInFlight;
    private Batch _batch = new();

    public QueueStore(string persistenceId, IActorRef queue, int snapshotEvery, int maxBatch)
    {
        _persistenceId = persistenceId;
        _queue = queue;
        _snapshotEvery = snapshotEvery;
        _maxBatch = Math.Max(1, maxBatch);
    }

    public override string PersistenceId => _persistenceId;

    public static Props Props(string persistenceId, IActorRef queue, int snapshotEvery, int maxBatch) =>
        Akka.Actor.Props.Create(() => new QueueStore(persistenceId, queue, snapshotEvery, maxBatch));

    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer { Snapshot: PendingJobsSnapshot s }:
                _pending.Clear();
                foreach (var job in s.Jobs) Add(job);
                break;
            case JobsWritten e:
                Apply(e);
                break;
            // Journals written before batching hold one event per job.
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
                _batch.Stored.Add(m.Job);
                _batch.Accepted.Add(new JobAccepted(m.Seq, m.Job.Handle), m.Client);
                FlushIfIdle();
                break;
            case ForgetJob m:
                // Written at once (with whatever else is waiting): a finished job must not come back after a stop.
                _batch.Removed.Add(m.Handle);
                if (m.AckTo is not null) _batch.Acknowledged.Add(new Acknowledged(m.AckSeq), m.AckTo);
                FlushIfIdle();
                break;
            case AckWhenDurable m:
                // A submit that joined an existing job: answer once every write that may hold that job is durable.
                if (_batch.HasWrites) _batch.Accepted.Add(new JobAccepted(m.Seq, m.Handle), m.Client);
                else if (_writesInFlight > 0) DeferAsync(m, a => a.Client.Tell(new JobAccepted(a.Seq, a.Handle)));
                else m.Client.Tell(new JobAccepted(m.Seq, m.Handle));
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

    private void FlushIfIdle()
    {
        if (_writesInFlight < MaxWritesInFlight || _batch.Size >= _maxBatch) Flush();
    }

    private void Flush()
    {
        if (!_batch.HasWrites) return;
        var batch = _batch;
        _batch = new Batch();
        _writesInFlight++;
        PersistAsync(new JobsWritten(batch.Stored, batch.Removed), e =>
        {
            _writesInFlight--;
            Apply(e);
            batch.Reply();
            Written(e.Stored.Count + e.Removed.Count);
            if (_writesInFlight < MaxWritesInFlight) Flush();
        });
    }

    private void Apply(JobsWritten e)
    {
        // A job stored and removed within one batch was never durable on its own; stores first keeps that right.
        foreach (var job in e.Stored) Add(job);
        foreach (var h in e.Removed) _pending.Remove(h);
    }

    private void Add(StoredJob job) => _pending[job.Handle] = (++_order, job);

    /// <summary>
    /// Snapshots once the jobs written since the last one outnumber the pending jobs (and at least the configured
    /// count): a snapshot then costs at most one job's worth per job written, and recovery reads at most twice the
    /// pending jobs (the snapshot, then the events after it).
    /// </summary>
    private void Written(int jobs)
    {
        _sinceSnapshot += jobs;
        if (_sinceSnapshot < Math.Max(_snapshotEvery, _pending.Count)) return;
        _sinceSnapshot = 0;
        SaveSnapshot(new PendingJobsSnapshot(Ordered()));
    }

    private List<StoredJob> Ordered()
    {
        var entries = new (long Order, StoredJob Job)[_pending.Count];
        _pending.Values.CopyTo(entries, 0);
        Array.Sort(entries, static (a, b) => a.Order.CompareTo(b.Order));
        var jobs = new List<StoredJob>(entries.Length);
        foreach (var entry in entries) jobs.Add(entry.Job);
        return jobs;
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _log.Error(cause, "event=journal-write-failed persistence-id={0}", _persistenceId);
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    /// <summary>What one write carries, and whom to answer when it is durable.</summary>
    private sealed class Batch
    {
        public readonly List<StoredJob> Stored = new();
        public readonly List<string> Removed = new();
        public readonly Replies<JobAccepted> Accepted = new();
        public readonly Replies<Acknowledged> Acknowledged = new();

        public bool HasWrites => Stored.Count > 0 || Removed.Count > 0;

        public int Size => Stored.Count + Removed.Count;

        public void Reply()
        {
            Accepted.Send();
            Acknowledged.Send();
        }
    }

    private sealed class Replies<T>
    {
        private readonly List<(T Message, IActorRef To)> _items = new();

        public void Add(T message, IActorRef to) => _items.Add((message, to));

        public void Send()
        {
            foreach (var (message, to) in _items) to.Tell(message);
        }
    }
}
