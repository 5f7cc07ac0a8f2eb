using System.Buffers;
using Akka.Actor;
using Gearman.Actors.Admin;
using Gearman.Actors.Jobs;
using Gearman.Actors.Protocol;

namespace Gearman.Actors.Queues;

// Jobs arriving with their handles already given: recovered from the store, or handed over by the queue's former home.
public sealed partial class FunctionQueue
{
    private sealed class AskRunningBack
    {
        public static readonly AskRunningBack Instance = new();
    }

    private sealed class FormerHomeSilent
    {
        public static readonly FormerHomeSilent Instance = new();
    }

    /// <summary>How long a queue that has just come to this node holds grabs for the jobs of its former home.</summary>
    private static readonly TimeSpan FormerHomeWait = TimeSpan.FromSeconds(2);

    /// <summary>How long a moving queue lets its running jobs end before it asks them back.</summary>
    private static readonly TimeSpan HandOffGrace = TimeSpan.FromSeconds(2);

    /// <summary>Jobs per <see cref="RestoreJobs"/>: a queue of a million jobs moves in a thousand messages.</summary>
    private const int RestoreBatchJobs = 1000;

    /// <summary>Payload bytes per <see cref="RestoreJobs"/>, past which a batch goes (a larger job goes alone).</summary>
    private const long RestoreBatchBytes = 1 << 20;

    /// <summary>
    /// The shard moves to another node: every job goes to the queue's next home through the region, which holds
    /// the messages until that home is ready. Waiting jobs move exactly. Running jobs are first given
    /// <see cref="HandOffGrace"/> to end where they run; those still running then are asked back
    /// (<see cref="GiveBackJob"/>) and go on as waiting jobs, so they may run twice (at-least-once). Workers register
    /// again when they see this queue stop. A running job's listeners are its job actor's to know, so the jobs go on
    /// once every running one has ended or returned.
    /// </summary>
    /// <remarks>
    /// A queue moves when its workers are on another node (<see cref="Links.Placement"/>), so a busy queue moves while
    /// its workers run jobs. Asked back at once, every one of them ran again at the next home: a worker's side effects
    /// twice, for no failure at all. Short jobs end within the grace; the shard's other queues wait that long at most.
    /// </remarks>
    private void OnHandOff()
    {
        // Grabs held for a former home are answered here with what there is, before the jobs go on.
        ReleaseGrabs();
        // A node that shuts down alone has no next home for its jobs; sending them would only stall the shutdown.
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        var othersUp = cluster.State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up && !m.Address.Equals(cluster.SelfAddress));
        if (!_exists || othersUp == 0)
        {
            StopWhenWritten();
            return;
        }
        _handingOff = true;
        _heldForNextHome = new List<(object, IActorRef)>();
        foreach (var job in _jobs.Values)
            if (job.Runner is not null) _runningAskedBack++;
        if (_runningAskedBack == 0) SendJobsOn();
        else Timers.StartSingleTimer("hand-off", AskRunningBack.Instance, HandOffGrace);
    }

    /// <summary>While handing off: only the running jobs' answers are handled here; commands go on to the next home, after the jobs.</summary>
    private void HandingOff(object message)
    {
        switch (message)
        {
            case JobEnded m:
                OnJobEnded(m);
                break;
            case JobReturned m:
                OnJobReturned(m);
                break;
            case AskRunningBack:
                foreach (var job in _jobs.Values) job.Runner?.Tell(GiveBackJob.Instance);
                return;
            case IQueueCommand when _sharded:
                if (_heldForNextHome is not null) _heldForNextHome.Add((message, Sender));
                else _ctx.Queues.Forward(message);
                return;
            default:
                return;
        }
        // A job that ended on its own just before it was asked back answers with JobEnded, and GiveBackJob then
        // reaches an idle actor, which ignores it: either way each running job answers once.
        if (--_runningAskedBack == 0)
        {
            Timers.Cancel("hand-off");
            SendJobsOn();
        }
    }

    private void SendJobsOn()
    {
        // Durable jobs are in the shared journal, where the next home recovers them; only the rest travel, in
        // batches of up to RestoreBatchJobs jobs or about RestoreBatchBytes of payload.
        var batch = new List<RestoreJob>();
        long bytes = 0;
        foreach (var job in _jobs.Values.Where(j => _store is null || !j.Background))
        {
            if (batch.Count > 0 && (batch.Count == RestoreBatchJobs || bytes + job.Data.Length > RestoreBatchBytes))
            {
                _ctx.Queues.Tell(new RestoreJobs(_function, batch));
                (batch, bytes) = (new List<RestoreJob>(), 0);
            }
            batch.Add(new RestoreJob(_function, job.Handle, job.Unique, job.UniqueKey, job.Data, job.Priority,
                job.Background, job.WhenEpoch, job.Reducer, job.Listeners.ToArray(), job.Retries));
            bytes += job.Data.Length;
        }
        if (batch.Count > 0) _ctx.Queues.Tell(new RestoreJobs(_function, batch));
        // Last: the next home holds its grabs until this, its settings, says that the jobs are in.
        _ctx.Queues.Tell(new RestoreQueue(_function, _maxQueue[0], _maxQueue[1], _maxQueue[2]));
        foreach (var (command, sender) in _heldForNextHome ?? []) _ctx.Queues.Tell(command, sender);
        _heldForNextHome = null;
        StopWhenWritten();
    }

    /// <summary>
    /// A queue that starts on this node just after its shard's home became this node (<see cref="Links.Placement"/>)
    /// holds grabs until its former home's jobs are in (<see cref="RestoreQueue"/>, sent after them), or for
    /// <see cref="FormerHomeWait"/> when no former home answers (it died, or never had the queue).
    /// </summary>
    /// <remarks>
    /// A worker on this node grabs through this node's region, which has the shard here as soon as it moved; the jobs
    /// of the former home cross nodes from that node's region. A grab answered before them got NO_JOB for a job whose
    /// client had its JOB_CREATED (a cluster conformance run: a worker registered, a job was submitted, and the grab
    /// found nothing). Grabs are held rather than answered from what is here, so that the jobs that waited longest go
    /// first.
    /// </remarks>
    private void HoldGrabsForFormerHome()
    {
        if (!_sharded || !_ctx.Placement.Arriving(Context.Parent.Path.Name)) return;
        _grabsHeld = new List<Grab>();
        Timers.StartSingleTimer(FormerHomeSilent.Instance, FormerHomeSilent.Instance, FormerHomeWait);
    }

    private void ReleaseGrabs()
    {
        if (_grabsHeld is not { } held) return;
        _grabsHeld = null;
        Timers.Cancel(FormerHomeSilent.Instance);
        foreach (var grab in held) OnGrab(grab);
    }

    private void OnRestore(RestoreJob m)
    {
        if (_jobs.ContainsKey(m.Handle)) return;
        var job = new QueuedJob(m.Handle, m.Function, m.Unique, m.UniqueKey, m.Data, m.Priority, m.Background, m.WhenEpoch, m.Reducer)
        {
            Retries = m.Retries,
        };
        job.Listeners.AddRange(m.Listeners);
        Adopt(job);
        foreach (var listener in job.Listeners) _ctx.Send(listener, new JobMoved(job.Handle));
    }

    /// <summary>Takes in a job that already has its handle: one recovered from the store or handed over by a former home.</summary>
    private void Adopt(QueuedJob job)
    {
        Create(job.Function);
        if (_jobs.ContainsKey(job.Handle)) return;
        job.Order = ++_arrivals;
        _jobs[job.Handle] = job;
        // A submit the region gave again after a move (HandOffRescue) can make a job with this unique id before the
        // one the former home sends on arrives; both run, and the first keeps the unique id.
        if (job.UniqueKey is not null) _byUnique.TryAdd(job.UniqueKey, job);
        _ctx.Directory.AddJob(job.Handle, _function, StatusUnique(job), job.Data.Length);
        if (job.WhenEpoch > NowEpoch())
        {
            _lanes.Schedule(job);
            ArmEpochTimer();
            return;
        }
        _lanes.Enqueue(job);
        _workers.WakeSleepers(_ctx.Settings.WorkerWakeup);
    }

    /// <summary>The queue's durable jobs, oldest first: what a snapshot of its store holds.</summary>
    private IReadOnlyList<Persistence.StoredJob> DurableJobs()
    {
        var jobs = new List<QueuedJob>(_jobs.Count);
        foreach (var job in _jobs.Values)
            if (job.Background) jobs.Add(job);
        jobs.Sort(static (a, b) => a.Order.CompareTo(b.Order));
        return jobs.ConvertAll(ToStored);
    }

    private static Persistence.StoredJob ToStored(QueuedJob j) =>
        new(j.Function, j.Handle, j.Unique, j.UniqueKey, j.Data, j.Priority, j.WhenEpoch, j.Reducer);

    private static QueuedJob FromStore(Persistence.StoredJob s) =>
        new(s.Handle, s.Function, s.Unique, s.UniqueKey, s.Data, s.Priority, background: true, s.WhenEpoch, s.Reducer);
}
