using Akka.Actor;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Persistence;

/// <summary>
/// Group commit for one queue's store, kept by the queue itself. While a write is in flight, new submits and
/// removals collect in the next batch, which goes to the store as one message when that write is durable. Under
/// load each database round trip then carries as many jobs as arrived during the one before it, so throughput
/// follows the arrival rate rather than the write latency, and the store handles one message per write instead of
/// one per job.
/// <para>
/// When the store stops (its database failed a write or a recovery), the writes it had not confirmed are kept and
/// go again, first, to the store that replaces it; meanwhile nothing is written and removals collect. Writing an
/// event twice is harmless: recovery applies stores and removals by handle.
/// </para>
/// </summary>
internal sealed class DurableWrites
{
    /// <summary>
    /// Writes in flight at once. One keeps batches as large as the arrivals allow: each write costs a fixed share of
    /// CPU in the SQL journal whatever it carries, so under load fewer, larger writes win.
    /// </summary>
    private const int MaxWritesInFlight = 1;

    private IActorRef _store;
    private readonly int _maxBatch;
    private readonly long _maxWriteBytes;
    /// <summary>The bytes of the jobs in <see cref="_stored"/>, as the journal event will hold them.</summary>
    private long _storedBytes;
    private readonly int _snapshotEvery;
    private readonly Func<int> _pendingCount;
    private readonly Func<IReadOnlyList<StoredJob>> _pendingJobs;
    private List<StoredJob> _stored = new();
    private List<string> _removed = new();
    private DurableReplies _replies = new();
    private int _inFlight;
    private int _sinceSnapshot;
    /// <summary>Writes handed to the store and not yet confirmed, oldest first.</summary>
    private Queue<WriteJobs> _unconfirmed = new();
    /// <summary>Why the store refused the oldest unconfirmed write for good; null when it did not.</summary>
    private string? _refusal;
    /// <summary>Takes a job the store refused out of the queue.</summary>
    private readonly Action<string> _dropRefused;

    /// <param name="pendingCount">How many jobs the queue holds: a snapshot is due once more than that were written.</param>
    /// <param name="pendingJobs">The queue's durable jobs, oldest first: the content of a snapshot.</param>
    /// <param name="dropRefused">Takes a job out of the queue whose write the store refused for good.</param>
    public DurableWrites(IActorRef store, int maxBatch, long maxWriteBytes, int snapshotEvery, Func<int> pendingCount,
        Func<IReadOnlyList<StoredJob>> pendingJobs, Action<string> dropRefused)
    {
        _dropRefused = dropRefused;
        _store = store;
        _maxBatch = Math.Max(1, maxBatch);
        _maxWriteBytes = maxWriteBytes;
        _snapshotEvery = snapshotEvery;
        _pendingCount = pendingCount;
        _pendingJobs = pendingJobs;
    }

    private bool HasWrites => _stored.Count > 0 || _removed.Count > 0;

    /// <summary>Nothing waits to be written, is being written, or waits for a write to answer.</summary>
    public bool Idle => !HasWrites && _inFlight == 0 && _replies.Count == 0 && !StoreDown;

    /// <summary>True from the loss of a store until its replacement has recovered (<see cref="StoreBack"/>).</summary>
    public bool StoreDown { get; private set; }

    /// <summary>A new background job: its client hears JOB_CREATED once the job is durable.</summary>
    public void Store(StoredJob job, IActorRef client, long seq)
    {
        // One event must stay within what the store takes: a job that would carry the batch past it starts the next
        // write (each job alone fits; the queue refuses larger ones before they get here).
        var size = Serialization.BrokerSerializer.StoredSize(job);
        if (_stored.Count > 0 && _storedBytes + size > _maxWriteBytes) Flush();
        _storedBytes += size;
        _stored.Add(job);
        _replies.Add(new JobAccepted(seq, job.Handle), client);
        FlushIfIdle();
    }

    /// <summary>
    /// A job ended for good. Written at once (with whatever else is waiting): a finished job must not come back after
    /// a stop. <paramref name="ackTo"/> hears when that is durable.
    /// </summary>
    public void Forget(string handle, IActorRef? ackTo, long ackSeq)
    {
        _removed.Add(handle);
        if (ackTo is not null) _replies.Add(new Acknowledged(ackSeq), ackTo);
        FlushIfIdle();
    }

    /// <summary>A submit that joined an existing job: answered once every write that may hold that job is durable.</summary>
    public void AckWhenDurable(string handle, IActorRef client, long seq)
    {
        var accepted = new JobAccepted(seq, handle);
        if (HasWrites || _inFlight > 0 || StoreDown) _replies.Add(accepted, client);
        else client.Tell(accepted);
    }

    /// <summary>The store reports a write durable (<see cref="JobsDurable"/>).</summary>
    public void Written()
    {
        _unconfirmed.TryDequeue(out _);
        _inFlight--;
        Resume();
    }

    private void Resume()
    {
        if (HasWrites) FlushIfIdle();
        else if (_inFlight == 0 && _replies.Count > 0)
        {
            // Only joins wait here, for writes that are now all durable.
            var replies = _replies;
            _replies = new DurableReplies();
            replies.Send();
        }
    }

    /// <summary>The store stopped: writes wait for <see cref="StoreBack"/>.</summary>
    public void StoreLost()
    {
        StoreDown = true;
        _inFlight = 0;
    }

    /// <summary>The lost store's database refused its oldest unconfirmed write for good (<see cref="WriteRefused"/>).</summary>
    public void Refused(string reason) => _refusal ??= reason;

    /// <summary>A new store has recovered: the writes the lost one did not confirm go to it again, then the rest.</summary>
    public void StoreBack(IActorRef store)
    {
        _store = store;
        if (_refusal is { } reason)
        {
            _refusal = null;
            Isolate(reason);
        }
        StoreDown = false;
        foreach (var write in _unconfirmed)
        {
            _store.Tell(write);
            _inFlight++;
        }
        Resume();
    }

    /// <summary>
    /// Finds the job the store refuses, so that only its own submit fails: a refused write of several jobs goes again
    /// as one write per job (then one for its removals); a refused write of one job is that job, which leaves the
    /// queue, and its client hears why. Removals alone carry only handles; a refusal of those is logged and dropped,
    /// since no retry could change it.
    /// </summary>
    private void Isolate(string reason)
    {
        if (!_unconfirmed.TryDequeue(out var refused)) return;
        var rest = _unconfirmed;
        _unconfirmed = new Queue<WriteJobs>();
        var (stored, removed) = (refused.Event.Stored, refused.Event.Removed);
        if (stored.Count == 1 && removed.Count == 0)
        {
            var handle = stored[0].Handle;
            refused.Replies.Refuse(handle, reason);
            refused.Replies.Send();
            _dropRefused(handle);
        }
        else if (stored.Count == 0)
        {
            refused.Replies.Send();
        }
        else
        {
            var replies = refused.Replies;
            foreach (var job in stored)
                _unconfirmed.Enqueue(new WriteJobs(new JobsWritten(new[] { job }, Array.Empty<string>()), replies.Take(job.Handle), null));
            _unconfirmed.Enqueue(new WriteJobs(new JobsWritten(Array.Empty<StoredJob>(), removed), replies, null));
        }
        foreach (var write in rest) _unconfirmed.Enqueue(write);
    }

    private void FlushIfIdle()
    {
        if (StoreDown) return;
        if (_inFlight < MaxWritesInFlight || _stored.Count + _removed.Count >= _maxBatch) Flush();
    }

    private void Flush()
    {
        var written = new JobsWritten(_stored, _removed);
        // Once the jobs written since the last snapshot outnumber the pending jobs (and at least the configured count),
        // a snapshot costs at most one job's worth per job written, and recovery reads at most twice the pending jobs.
        _sinceSnapshot += _stored.Count + _removed.Count;
        PendingJobsSnapshot? snapshot = null;
        if (_sinceSnapshot >= Math.Max(_snapshotEvery, _pendingCount()))
        {
            _sinceSnapshot = 0;
            snapshot = new PendingJobsSnapshot(_pendingJobs());
        }
        var write = new WriteJobs(written, _replies, snapshot);
        _unconfirmed.Enqueue(write);
        _stored = new List<StoredJob>();
        _storedBytes = 0;
        _removed = new List<string>();
        _replies = new DurableReplies();
        // Without a store, a write that had to be cut off waits with the unconfirmed ones for the next store.
        if (StoreDown) return;
        _store.Tell(write);
        _inFlight++;
    }
}

/// <summary>Who hears what once a write is durable.</summary>
internal sealed class DurableReplies
{
    private readonly List<(ISlotReply Reply, IActorRef To)> _items = new();
    private bool _sent;

    public int Count => _items.Count;

    public void Add(ISlotReply reply, IActorRef to) => _items.Add((reply, to));

    /// <summary>Moves the JOB_CREATED answers for <paramref name="handle"/> to replies of their own.</summary>
    public DurableReplies Take(string handle)
    {
        var taken = new DurableReplies();
        _items.RemoveAll(item =>
        {
            if (item.Reply is not JobAccepted a || a.Handle != handle) return false;
            taken.Add(item.Reply, item.To);
            return true;
        });
        return taken;
    }

    /// <summary>The store refused the job <paramref name="handle"/>: its submits hear that instead of JOB_CREATED.</summary>
    public void Refuse(string handle, string reason)
    {
        for (var i = 0; i < _items.Count; i++)
        {
            if (_items[i].Reply is JobAccepted a && a.Handle == handle)
                _items[i] = (new SubmitRejected(a.Seq, Protocol.ErrorCode.QueueError, "The job store refused the job: " + reason), _items[i].To);
        }
    }

    /// <summary>
    /// Sends each reply once, however often the write it belongs to is confirmed. A connection on this node gets
    /// all of a write's replies for it in one <see cref="ReplyBatch"/>, so it answers them in one socket write;
    /// replies to another node go one by one (the batch never crosses nodes).
    /// </summary>
    public void Send()
    {
        if (_sent) return;
        _sent = true;
        Dictionary<IActorRef, List<ISlotReply>>? local = null;
        foreach (var (reply, to) in _items)
        {
            if (!to.Path.Address.HasLocalScope)
            {
                to.Tell(reply);
                continue;
            }
            local ??= new Dictionary<IActorRef, List<ISlotReply>>();
            if (!local.TryGetValue(to, out var replies)) local[to] = replies = new List<ISlotReply>();
            replies.Add(reply);
        }
        if (local is null) return;
        foreach (var (to, replies) in local) to.Tell(replies.Count == 1 ? replies[0] : new ReplyBatch(replies));
    }
}
