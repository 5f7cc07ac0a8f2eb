using System.Buffers;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Gearman.Actors.Admin;
using Gearman.Actors.Directory;
using Gearman.Actors.Jobs;
using Gearman.Actors.Protocol;

namespace Gearman.Actors.Queues;

/// <summary>
/// The queue of one function: its waiting jobs, its workers and its unique index. It is a sharded entity, so the
/// function's queue lives on exactly one node of the cluster. Waiting jobs are compact records; a job gets its own
/// actor when a worker takes it (see docs/architecture.md for why).
/// </summary>
public sealed partial class FunctionQueue : UntypedActor, IWithTimers, IWithUnboundedStash
{
    /// <summary>The stop message this queue asks its shard to send it when it passivates: see <see cref="StopWhenWritten"/>.</summary>
    private sealed class StopQueue
    {
        public static readonly StopQueue Instance = new();
    }

    private readonly BrokerContext _ctx;
    private readonly bool _sharded;
    private readonly JobLanes _lanes = new();
    private readonly WorkerSet _workers;
    private readonly Dictionary<string, QueuedJob> _jobs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, QueuedJob> _byUnique = new(StringComparer.Ordinal);
    private readonly int[] _running = new int[3];
    /// <summary>Job actors whose job ended, ready for the next grab.</summary>
    private readonly Stack<IActorRef> _idleRunners = new();
    private const int MaxIdleRunners = 64;
    private readonly int[] _maxQueue = new int[3];
    private string _function = "";
    private bool _exists;
    private bool _stopping;
    /// <summary>Stopping, but removals or stores are still on their way to the journal: the queue stops once they are durable.</summary>
    private bool _stopWhenWritten;
    /// <summary>Handing the shard off: commands go to the next home while running jobs are asked back.</summary>
    private bool _handingOff;
    /// <summary>Running jobs a hand-off still waits for: to end within its grace, or once asked back, to return.</summary>
    private int _runningAskedBack;
    /// <summary>
    /// Commands that came during a hand-off before the jobs were sent on, with their senders: they follow the jobs, so
    /// that a cancel or a status query finds at the next home the job it names. Null except while a hand-off waits.
    /// </summary>
    private List<(object Command, IActorRef Sender)>? _heldForNextHome;
    /// <summary>The journal of this queue's background jobs; null when jobs live in memory only.</summary>
    private IActorRef? _store;
    /// <summary>What goes to <see cref="_store"/> next; null when jobs live in memory only.</summary>
    private Persistence.DurableWrites? _writes;
    /// <summary>Jobs taken in so far: each job's place in line, which a snapshot of the store keeps.</summary>
    private long _arrivals;
    /// <summary>False while the store recovers; commands wait in the stash until the recovered jobs are back.</summary>
    private bool _ready = true;
    /// <summary>Where this queue publishes its counters for listings, from its creation on; see <see cref="Publish"/>.</summary>
    private QueueSlot? _slot;
    /// <summary>
    /// Grabs that wait while this queue's former home may still be sending its jobs (<see cref="HoldGrabsForFormerHome"/>);
    /// null when the queue does not wait.
    /// </summary>
    private List<Grab>? _grabsHeld;

    public FunctionQueue(BrokerContext ctx, bool sharded)
    {
        _ctx = ctx;
        _sharded = sharded;
        _workers = new WorkerSet(ctx);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public IStash Stash { get; set; } = null!;

    public static Props Props(BrokerContext ctx, bool sharded = true) =>
        Akka.Actor.Props.Create(() => new FunctionQueue(ctx, sharded));

    protected override void PreStart()
    {
        HoldGrabsForFormerHome();
        if (!_ctx.Settings.Durable) return;
        _ready = false;
        _writes = new Persistence.DurableWrites(StartStore(), _ctx.Settings.WriteBatch, _ctx.Settings.StoreMaxWrite, _ctx.Settings.SnapshotEvery, () => _jobs.Count, DurableJobs, DropRefused);
    }

    protected override void OnReceive(object message)
    {
        Dispatch(message);
        // Whatever the message changed; the requests whose answers tell a client of a change publish before answering.
        Publish();
    }

    private void Dispatch(object message)
    {
        // Also while stopping: removals still waiting for their write go out before the store stops.
        if (_store is not null && OnStoreMessage(message)) return;
        if (_writes is { StoreDown: true } && RefusedWithoutStore(message)) return;
        if (message is StopQueue)
        {
            StopWhenWritten();
            return;
        }
        if (_handingOff)
        {
            HandingOff(message);
            return;
        }
        if (!_ready)
        {
            Stash.Stash();
            return;
        }
        if (_stopping)
        {
            // Commands that reached this incarnation after it decided to stop go back through the region, which
            // holds them for the next one.
            if (message is IQueueCommand && _sharded) _ctx.Queues.Forward(message);
            return;
        }
        try
        {
            Handle(message);
        }
        catch (Exception ex)
        {
            // A bug met by one request fails that request. Letting it restart the queue would lose every job the queue
            // holds in memory, and a durable queue would recover into the same state and could fail the same way.
            Context.GetLogger().Error(ex, "event=queue-request-failed function={0} request={1}", _function, message.GetType().Name);
            FailRequest(message);
        }
        if (!_exists && _grabsHeld is null) StopSelf();
    }

    private void Handle(object message)
    {
        switch (message)
        {
            case Submit m: OnSubmit(m); break;
            case Grab m when _grabsHeld is not null: _grabsHeld.Add(m); break;
            case Grab m: OnGrab(m); break;
            case JobEnded m: OnJobEnded(m); break;
            case JobReturned m: OnJobReturned(m); break;
            case WorkerSleeping m:
                PromoteDue();
                // A notice from a worker not registered yet is kept for its registration (WorkerSet.Sleep); the queue
                // stays for it, where a queue of an unknown function stops after each message.
                if (!_workers.Contains(m.Worker)) Create(m.Function);
                _workers.Sleep(m.Worker, wakeNow: _lanes.Best() is not null, m.AfterSeq);
                break;
            case RegisterWorker m:
                Create(m.Function);
                PromoteDue();
                if (_workers.Register(m.Worker, m.TimeoutMs, m.Announce, workWaiting: _lanes.Best() is not null)) Context.Watch(m.Worker);
                if (_lanes.Best() is not null) _workers.Announce();
                Publish();
                _ctx.Send(m.Worker, new WorkerRegistered(m.Function, Self));
                break;
            case UnregisterWorker m:
                if (_workers.Contains(m.Worker)) Context.Unwatch(m.Worker);
                OnWorkerGone(m.Worker);
                break;
            case Terminated m:
                OnWorkerGone(m.ActorRef);
                break;
            case GetJobStatus m: OnGetJobStatus(m); break;
            case GetUniqueStatus m: OnGetUniqueStatus(m); break;
            case ListenerGone m: OnListenerGone(m); break;
            case EpochDue:
                PromoteDue();
                ArmEpochTimer();
                break;
            case GetQueueStats m: OnGetStats(m); break;
            case SetMaxQueue m:
                // A limit for a function that does not exist yet creates it with that limit (gearmand answers OK and
                // forgets the limit, so the function's first jobs would pass it).
                Create(m.Function);
                (_maxQueue[0], _maxQueue[1], _maxQueue[2]) = (m.High, m.Normal, m.Low);
                Publish();
                _ctx.Send(m.ReplyTo, new AdminText(m.Seq, AdminReplies.Ok));
                break;
            case CancelJob m: OnCancel(m); break;
            case CreateFunction m:
                Create(m.Function);
                Publish();
                _ctx.Send(m.ReplyTo, new AdminText(m.Seq, AdminReplies.Ok));
                break;
            case DropFunction m: OnDrop(m); break;
            case RestoreJob m: OnRestore(m); break;
            case RestoreJobs m:
                foreach (var job in m.Jobs) OnRestore(job);
                break;
            case RestoreQueue m:
                Create(m.Function);
                (_maxQueue[0], _maxQueue[1], _maxQueue[2]) = (m.MaxHigh, m.MaxNormal, m.MaxLow);
                ReleaseGrabs();
                break;
            case FormerHomeSilent:
                ReleaseGrabs();
                break;
            case HandOff:
                OnHandOff();
                return;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>Answers a request whose handling threw, so that its sender does not wait out its timeout.</summary>
    private void FailRequest(object message)
    {
        switch (message)
        {
            case Submit m:
                _ctx.Send(m.Client, new SubmitRejected(m.Seq, ErrorCode.QueueError, "The job could not be queued (server error, logged)"));
                break;
            case Grab m:
                _ctx.Send(m.Worker, new NoJob(m.Seq, m.Function));
                break;
        }
    }

    private void Create(string function)
    {
        if (_exists) return;
        _exists = true;
        _function = function;
        _workers.Function = function;
        _slot = new QueueSlot(new QueueEntry(function, Self, 0, 0, 0, 0, 0, 0));
        _ctx.Directory.AddQueue(_slot);
    }

    /// <summary>
    /// Replaces this queue's entry in the node's directory if its counters changed. Called after every message and,
    /// before an answer that tells of a change (JOB_CREATED, JOB_ASSIGN, OK), so that a listing asked for after
    /// that answer shows the change, as it did when listings asked the queue itself.
    /// </summary>
    private void Publish()
    {
        if (_slot is null) return;
        var (high, normal, low) = (_lanes.Queued(Priority.High), _lanes.Queued(Priority.Normal), _lanes.Queued(Priority.Low));
        var running = _running[0] + _running[1] + _running[2];
        var e = _slot.Entry;
        if (e.High == high && e.Normal == normal && e.Low == low && e.Running == running && e.Workers == _workers.Count &&
            e.Jobs == _jobs.Count) return;
        _slot.Entry = new QueueEntry(_function, Self, high, normal, low, running, _workers.Count, _jobs.Count);
    }

    private void OnSubmit(Submit m)
    {
        if (m.WithheldBytes > 0)
        {
            _ctx.Send(m.Client, new SubmitRejected(m.Seq, ErrorCode.QueueError, CrossNode.TooLarge(m.WithheldBytes, _ctx.Settings)));
            return;
        }
        Create(m.Function);
        var key = CoalescingKey(m.Unique, m.Data);
        if (key is not null && _byUnique.TryGetValue(key, out var existing))
        {
            // Coalesced submits join the existing job and bypass maxqueue, as in gearmand.
            if (m.Background && _writes is not null && existing.Background)
                _writes.AckWhenDurable(existing.Handle, m.Client, m.Seq);
            else if (m.Background) _ctx.Send(m.Client, new JobAccepted(m.Seq, existing.Handle));
            else if (existing.Runner is { } runner) runner.Tell(m);
            else
            {
                // One entry per submit: a client that submitted twice expects two results (gearmand does the same).
                existing.Listeners.Add(m.Client);
                _ctx.Send(m.Client, new JobAccepted(m.Seq, existing.Handle));
            }
            return;
        }
        var p = (int)m.Priority;
        if (_maxQueue[p] > 0 && _lanes.Queued(m.Priority) + _running[p] >= _maxQueue[p])
        {
            _ctx.Send(m.Client, new SubmitRejected(m.Seq, ErrorCode.QueueError, "Job queue is full"));
            return;
        }
        if (NodeFull(m.Data.Length))
        {
            _ctx.Send(m.Client, new SubmitRejected(m.Seq, ErrorCode.QueueError, "Job limit of this server reached"));
            return;
        }
        var job = new QueuedJob(_ctx.Handles.Next(), _function, m.Unique, key, m.Data, m.Priority, m.Background,
            m.WhenEpoch, m.Reducer);
        var stored = m.Background && _writes is not null ? ToStored(job) : null;
        if (stored is not null && Serialization.BrokerSerializer.StoredSize(stored) is var size && size > _ctx.Settings.StoreMaxWrite)
        {
            // The store would refuse the write for good; answered before anything is kept, so the queue goes on as before.
            _ctx.Send(m.Client, new SubmitRejected(m.Seq, ErrorCode.QueueError,
                $"Job of {size} bytes is larger than the job store takes ({_ctx.Settings.StoreMaxWrite} bytes)"));
            return;
        }
        job.Order = ++_arrivals;
        if (!m.Background) job.Listeners.Add(m.Client);
        _jobs[job.Handle] = job;
        if (key is not null) _byUnique[key] = job;
        _ctx.Directory.AddJob(job.Handle, _function, StatusUnique(job), job.Data.Length);
        var scheduled = m.WhenEpoch > 0 && m.WhenEpoch > NowEpoch();
        if (scheduled) _lanes.Schedule(job);
        else _lanes.Enqueue(job);
        Publish();
        // Workers hear of the job before its client does, as in gearmand: a worker told to grab by a client that has
        // just seen JOB_CREATED must find the job (a worker with several functions grabs only from queues that told
        // it of work).
        if (scheduled) ArmEpochTimer();
        else _workers.WakeSleepers(_ctx.Settings.WorkerWakeup);
        // A background job is acknowledged only once it is durable; workers may start on it meanwhile.
        if (stored is not null) _writes!.Store(stored, m.Client, m.Seq);
        else _ctx.Send(m.Client, new JobAccepted(m.Seq, job.Handle));
    }

    /// <summary>
    /// True when this node holds as many jobs, or as many payload bytes, as gearman.max-jobs and
    /// gearman.max-job-memory allow. Queues check the node's totals without a lock, so several queues submitting at
    /// once can pass the limit by a job each: a bound on memory, not an exact count.
    /// </summary>
    private bool NodeFull(long bytes)
    {
        var s = _ctx.Settings;
        return (s.MaxJobs > 0 && _ctx.Directory.JobCount >= s.MaxJobs) ||
               (s.MaxJobMemory > 0 && _ctx.Directory.JobBytes + bytes > s.MaxJobMemory);
    }

    private void OnGetJobStatus(GetJobStatus m)
    {
        if (!_jobs.TryGetValue(m.Handle, out var job)) _ctx.Send(m.ReplyTo, JobStatus.Unknown(m.Seq, m.Handle));
        else if (job.Runner is { } runner) runner.Tell(m);
        else _ctx.Send(m.ReplyTo, new JobStatus(m.Seq, m.Handle, true, false, job.Numerator, job.Denominator));
    }

    private void OnGetUniqueStatus(GetUniqueStatus m)
    {
        if (!_byUnique.TryGetValue(m.Unique, out var job)) _ctx.Send(m.ReplyTo, UniqueStatus.Unknown(m.Seq, m.Unique));
        else if (job.Runner is { } runner) runner.Tell(m);
        else _ctx.Send(m.ReplyTo, new UniqueStatus(m.Seq, m.Unique, true, false, job.Numerator, job.Denominator, job.Listeners.Count));
    }

    private void OnListenerGone(ListenerGone m)
    {
        if (!_jobs.TryGetValue(m.Handle, out var job)) return;
        if (job.Runner is { } runner)
        {
            runner.Tell(new RemoveListener(m.Client));
            return;
        }
        job.Listeners.RemoveAll(l => l.Equals(m.Client));
        // A foreground job nobody waits for any more is dropped now rather than handed to a worker.
        if (job.Listeners.Count == 0 && !job.Background)
        {
            _lanes.Remove(job);
            Forget(job);
        }
    }

    /// <summary>Ends the job for its waiting clients: WORK_FAIL, or <paramref name="end"/> when given.</summary>
    private void FailListeners(QueuedJob job, WorkEvent? end = null)
    {
        if (job.Listeners.Count == 0) return;
        end ??= new WorkEvent(PacketType.WorkFail, job.Handle, ReadOnlySequence<byte>.Empty);
        foreach (var listener in job.Listeners) _ctx.Send(listener, end);
        job.Listeners.Clear();
    }

    /// <summary>Removes a job for good; <paramref name="ackTo"/> hears once that is durable (at once when nothing is stored).</summary>
    private void Forget(QueuedJob job, IActorRef? ackTo = null, long ackSeq = 0)
    {
        if (_writes is not null && job.Background) _writes.Forget(job.Handle, ackTo, ackSeq);
        else if (ackTo is not null) _ctx.Send(ackTo, new Acknowledged(ackSeq));
        _jobs.Remove(job.Handle);
        if (job.UniqueKey is not null && _byUnique.TryGetValue(job.UniqueKey, out var owner) && ReferenceEquals(owner, job))
            _byUnique.Remove(job.UniqueKey);
        _ctx.Directory.RemoveJob(job.Handle, _function, StatusUnique(job), job.Data.Length);
    }

    private void StopSelf()
    {
        _stopping = true;
        if (_sharded) Context.Parent.Tell(new Passivate(StopQueue.Instance));
        else StopWhenWritten();
    }

    /// <summary>
    /// Stops now, or once every write handed to the store is durable. Stopping stops the store, its child, with it:
    /// a removal not yet written would be lost, and a dropped or finished job would come back at the next recovery.
    /// </summary>
    private void StopWhenWritten()
    {
        if (_writes is null || _writes.Idle) Context.Stop(Self);
        else _stopWhenWritten = true;
    }

    protected override void PostStop()
    {
        if (_slot is not null) _ctx.Directory.RemoveQueue(_slot);
        foreach (var job in _jobs.Values) _ctx.Directory.RemoveJob(job.Handle, _function, StatusUnique(job), job.Data.Length);
    }

    /// <summary>Empty unique: never coalesced. "-": coalesce on the payload (gearmand and Perl Gearman::Server).</summary>
    private static string? CoalescingKey(string unique, in ReadOnlySequence<byte> data)
    {
        if (unique.Length == 0) return null;
        if (unique != "-") return unique;
        // A NUL never occurs in a unique on the wire, so the prefix keeps payload keys apart from real uniques.
        return data.IsEmpty ? null : "\0" + Latin1.GetString(data);
    }

    /// <summary>The unique a client can look the job up by with GET_STATUS_UNIQUE.</summary>
    private static string? StatusUnique(QueuedJob job) => job.UniqueKey is { } k && k[0] != '\0' ? k : null;
}
