using System.Buffers;
using System.Text;
using Akka.Actor;
using Gearman.Actors.Directory;
using Gearman.Actors.Jobs;
using Gearman.Actors.Protocol;
using Gearman.Actors.Queues;

namespace Gearman.Actors.InProcess;

/// <summary>
/// One in-process worker, playing the part a worker connection plays: CAN_DO, then GRAB_JOB while it has a free
/// slot, PRE_SLEEP when its queue has nothing, and a grab again on every wakeup. Handlers run on the thread pool,
/// never on this actor's thread; their results come back here as messages and go to the job's actor as WORK_*.
/// </summary>
internal sealed class InProcessWorker : UntypedActor, IWithTimers
{
    private static readonly TimeSpan RegisterRetry = TimeSpan.FromSeconds(1);

    private sealed class StopWorking
    {
        public static readonly StopWorking Instance = new();
    }

    private sealed class RegisterAgain
    {
        public static readonly RegisterAgain Instance = new();
    }

    private sealed record GrabTimedOut(long Seq);

    private sealed record JobFinished(InProcessJob Job, byte[]? Result, Exception? Error);

    private readonly BrokerContext _ctx;
    private readonly StartWorker _start;
    private readonly Dictionary<string, InProcessJob> _running = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private CancellationTokenRegistration _stopRequest;
    private long _connectionId;
    /// <summary>The queue that confirmed this worker; null until it does, and again after it stops.</summary>
    private IActorRef? _queue;
    /// <summary>The sequence number of the grab waiting for an answer; 0 when none is.</summary>
    private long _grab;
    private long _lastSeq;
    private bool _sleeping;

    private InProcessWorker(BrokerContext ctx, StartWorker start)
    {
        _ctx = ctx;
        _start = start;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private string Function => _start.Function;

    public static Props Props(BrokerContext ctx, StartWorker start) => Akka.Actor.Props.CreateBy(new Producer(ctx, start));

    protected override void PreStart()
    {
        _connectionId = _ctx.Connections.NextId();
        // Listed by the `workers` admin command like a connection, so operators see in-process workers too.
        _ctx.Connections.Update(new ConnectionInfo(_connectionId, "in-process", "-", new[] { Function }));
        _stopRequest = _start.Registration.StopRequested.UnsafeRegister(static s => ((IActorRef)s!).Tell(StopWorking.Instance), Self);
        Register();
        Grab();
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case JobAssigned assigned when assigned.Seq != _grab:
                // The grab was given up (it timed out, or its queue moved): give the job back rather than sit on it.
                assigned.Job.Tell(new ReleaseJob(assigned.Handle));
                break;
            case JobAssigned assigned:
                GrabAnswered();
                Run(assigned);
                Grab();
                break;
            case NoJob none when none.Seq == _grab:
                GrabAnswered();
                Sleep();
                break;
            case GrabTimedOut timedOut when timedOut.Seq == _grab:
                _grab = 0;
                Sleep();
                break;
            case Wake when _sleeping:
                Grab();
                break;
            case JobFinished finished:
                Report(finished);
                Grab();
                break;
            case JobRevoked revoked:
                _running.Remove(revoked.Handle);
                Grab();
                break;
            case WorkerRegistered registered:
                OnRegistered(registered.Queue);
                break;
            case RegisterAgain when _queue is null:
                Register();
                break;
            case Terminated lost when lost.ActorRef.Equals(_queue):
                // The queue's shard moved or its node died: the region finds its new home, which learns of this worker
                // only this way. A grab sent to the old home is given up.
                _queue = null;
                _grab = 0;
                Register();
                Grab();
                break;
            case StopWorking:
                Context.Stop(Self);
                break;
            // Stale grab answers, wakeups while awake, Acknowledged, Terminated of an old queue: nothing to do.
        }
    }

    private void Register()
    {
        _ctx.Queues.Tell(new RegisterWorker(Function, Self, TimeoutMs: 0));
        if (_sleeping) _ctx.Queues.Tell(new WorkerSleeping(Function, Self));
        // Until a queue confirms (it may be moving right now), the registration is sent again.
        Timers.StartSingleTimer("register", RegisterAgain.Instance, RegisterRetry);
    }

    private void OnRegistered(IActorRef queue)
    {
        Timers.Cancel("register");
        if (queue.Equals(_queue)) return;
        if (_queue is not null) Context.Unwatch(_queue);
        _queue = queue;
        Context.Watch(queue);
        _start.Registration.OnRegistered();
    }

    /// <summary>Asks for a job when a slot is free and no grab is out; one grab at a time keeps the queue's answers simple.</summary>
    private void Grab()
    {
        if (_grab != 0 || _running.Count >= _start.Concurrency) return;
        _sleeping = false;
        _grab = ++_lastSeq;
        _ctx.Queues.Tell(new Grab(Function, Self, GrabKind.Unique, Priority.Low, _grab));
        Timers.StartSingleTimer("grab", new GrabTimedOut(_grab), _ctx.Settings.GrabTimeout);
    }

    private void GrabAnswered()
    {
        _grab = 0;
        Timers.Cancel("grab");
    }

    /// <summary>PRE_SLEEP: the queue wakes this worker at once if a job arrived since the NO_JOB, else when one does.</summary>
    private void Sleep()
    {
        _sleeping = true;
        _ctx.Queues.Tell(new WorkerSleeping(Function, Self));
    }

    private void Run(JobAssigned assigned)
    {
        var data = assigned.Data;
        var payload = data.IsSingleSegment ? data.First : data.ToArray();
        var job = new InProcessJob(assigned.Handle, assigned.Function, assigned.Unique, payload, assigned.Job);
        _running[job.Handle] = job;
        ThreadPool.UnsafeQueueUserWorkItem(static s => _ = RunAsync(s.Handler, s.Job, s.Token, s.Worker),
            (Handler: _start.Handler, Job: job, Token: _stopping.Token, Worker: Self), preferLocal: false);
    }

    private static async Task RunAsync(Func<InProcessJob, CancellationToken, ValueTask<byte[]>> handler, InProcessJob job,
        CancellationToken token, IActorRef worker)
    {
        try
        {
            var result = await handler(job, token).ConfigureAwait(false);
            worker.Tell(new JobFinished(job, result, null));
        }
        catch (Exception error)
        {
            worker.Tell(new JobFinished(job, null, error));
        }
    }

    private void Report(JobFinished finished)
    {
        var handle = finished.Job.Handle;
        // A job revoked meanwhile went back to its queue; its late result is dropped, as the broker does for TCP workers.
        if (!_running.Remove(handle)) return;
        var end = finished.Error switch
        {
            null => new WorkEvent(PacketType.WorkComplete, handle, new ReadOnlySequence<byte>(finished.Result ?? Array.Empty<byte>())),
            GearmanJobFailedException => new WorkEvent(PacketType.WorkFail, handle, ReadOnlySequence<byte>.Empty),
            var error => new WorkEvent(PacketType.WorkException, handle, new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(error.Message))),
        };
        finished.Job.Runner.Tell(end);
    }

    protected override void PostStop()
    {
        _stopRequest.Dispose();
        // The queues and the running jobs watch this actor: they forget the worker and requeue its jobs by themselves.
        _ = _stopping.CancelAsync();
        _ctx.Connections.Remove(_connectionId);
        _start.Registration.OnStopped();
    }

    private sealed class Producer(BrokerContext ctx, StartWorker start) : IIndirectActorProducer
    {
        public Type ActorType => typeof(InProcessWorker);
        public ActorBase Produce() => new InProcessWorker(ctx, start);
        public void Release(ActorBase actor) { }
    }
}
