using System.Buffers;
using Akka.Actor;
using Gearman.Actors.Protocol;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Jobs;

/// <summary>
/// One running job: it relays the worker's WORK_* packets to every waiting client, answers status queries, and
/// gives the job back to its queue if the worker dies or overruns its CAN_DO_TIMEOUT.
/// Once its job has ended for good, the queue may hand it another job with <see cref="RunJob"/> rather than stop
/// it: creating and stopping an actor per job cost about a fifth of the broker's CPU in a roundtrip profile. A
/// job runs in one actor from grab to end; messages meant for an earlier job of the same actor are told apart by
/// the handle they carry, which is never the same, since a job that goes back to its queue stops its actor.
/// </summary>
public sealed class JobActor : UntypedActor, IWithTimers
{
    private sealed class TimedOut
    {
        public static readonly TimedOut Instance = new();
    }

    /// <summary>Longer than a link takes to deliver a batch between live nodes; a dead node is downed long before.</summary>
    private static readonly TimeSpan FenceTimeout = TimeSpan.FromSeconds(10);

    private readonly IActorRef _queue;
    private readonly BrokerContext _ctx;
    private readonly BrokerSettings _settings;
    /// <summary>The handle of the job it runs; null while idle.</summary>
    private string? _handle;
    /// <summary>Client connections waiting for the result: this actor's own list from RunJob until the job ends or goes back.</summary>
    private readonly List<IActorRef> _listeners = new(1);
    private string _numerator = "0";
    private string _denominator = "0";
    /// <summary>The worker of the current or last job; still watched between jobs, as the next job often goes to it again.</summary>
    private IActorRef _worker = ActorRefs.Nobody;
    /// <summary>
    /// Set while a death notice of <see cref="_worker"/> on another node waits for its fence (<see cref="AwaitFence"/>):
    /// the handle of the job it came during.
    /// </summary>
    private string? _fence;

    public JobActor(IActorRef queue, BrokerContext ctx)
    {
        _queue = queue;
        _ctx = ctx;
        _settings = ctx.Settings;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Created once per concurrently running job of a queue, so it avoids the cost of expression-compiled Props.</summary>
    internal static Props Props(IActorRef queue, BrokerContext ctx) => Akka.Actor.Props.CreateBy(new Producer(queue, ctx));

    protected override void OnReceive(object message)
    {
        if (message is RunJob run) Start(run);
        else if (_handle is not null) Running(message, _handle);
        else Finished(message);
    }

    private void Start(RunJob run)
    {
        // A worker whose death notice is still fenced is gone: watching it again delivers the notice again.
        if (_fence is not null) (_fence, _worker) = (null, ActorRefs.Nobody);
        if (!run.Worker.Equals(_worker))
        {
            if (!_worker.IsNobody()) Context.Unwatch(_worker);
            // Watching a worker that is already gone delivers Terminated at once, so no death is missed.
            Context.Watch(run.Worker);
        }
        (_handle, _worker, _numerator, _denominator) = (run.Handle, run.Worker, "0", "0");
        _listeners.Clear();
        _listeners.AddRange(run.Listeners);
        // gearmand raises timeouts below one second to one second.
        if (run.TimeoutMs > 0) Timers.StartSingleTimer("timeout", TimedOut.Instance, TimeSpan.FromMilliseconds(Math.Max(run.TimeoutMs, 1000)));
    }

    private void Running(object message, string handle)
    {
        switch (message)
        {
            case WorkEvent e when e.Handle != handle:
                Late(e);
                break;
            case WorkEvent e:
                if (e.Type == PacketType.WorkStatus)
                {
                    // Kept as GET_STATUS reports them (gearmand's 32-bit numbers); listeners get the packet as sent.
                    _numerator = CNumbers.StatusNumerator(e.Numerator);
                    _denominator = CNumbers.StatusDenominator(e.Denominator);
                }
                Relay(e);
                if (e.IsFinal) Finish(new JobEnded(handle, _worker, e.AckSeq));
                break;
            case Submit m:
                // A foreground submit that coalesced onto this running job.
                _ctx.Send(m.Client, new JobAccepted(m.Seq, handle));
                _listeners.Add(m.Client);
                break;
            case RemoveListener m:
                _listeners.RemoveAll(l => l.Equals(m.Client));
                break;
            case GetJobStatus m:
                _ctx.Send(m.ReplyTo, new JobStatus(m.Seq, handle, true, true, _numerator, _denominator));
                break;
            case GetUniqueStatus m:
                _ctx.Send(m.ReplyTo, new UniqueStatus(m.Seq, m.Unique, true, true, _numerator, _denominator, _listeners.Count));
                break;
            case CancelRunning:
                var fail = new WorkEvent(PacketType.WorkFail, handle, ReadOnlySequence<byte>.Empty);
                foreach (var listener in _listeners) _ctx.Send(listener, fail);
                _listeners.Clear();
                break;
            case ReleaseJob r when r.Handle == handle:
                Finish(Returned(handle));
                break;
            case GiveBackJob:
                Finish(Returned(handle));
                break;
            case Terminated t when t.ActorRef.Equals(_worker):
                if (AwaitFence(t, handle)) break;
                _worker = ActorRefs.Nobody;
                Finish(Returned(handle));
                break;
            case Links.Fenced f when f.Token == _fence:
                // Every message the dead worker sent came before this, and none ended the job: it goes back.
                (_fence, _worker) = (null, ActorRefs.Nobody);
                Finish(Returned(handle));
                break;
            case TimedOut:
                _ctx.Send(_worker, new JobRevoked(handle));
                Finish(Returned(handle));
                break;
            case ReleaseJob or Terminated:
                // About an earlier job of this actor, or its earlier worker.
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>
    /// With the node link, a worker on another node sends its WORK_* packets through the links, but Akka sends its
    /// death notice straight over the remote connection, so the notice can arrive before the worker's last result.
    /// A worker that sends WORK_COMPLETE and hangs up at once (the gearman tool's <c>-c 1</c>) would have its finished
    /// job run again and its client wait for nothing. So a notice from another node is acted on only once a fence sent
    /// through the links comes back. A lost node (AddressTerminated) has nothing more to deliver; if the fence itself
    /// is lost with its node, the timer answers in its place.
    /// </summary>
    private bool AwaitFence(Terminated t, string handle)
    {
        if (t.AddressTerminated || _ctx.Link.IsNobody() || t.ActorRef.Path.Address.HasLocalScope) return false;
        _fence = handle;
        _ctx.Link.Tell(new Links.LinkFence(t.ActorRef.Path.Address, handle));
        Timers.StartSingleTimer("fence", new Links.Fenced(handle), FenceTimeout);
        return true;
    }

    private void Relay(WorkEvent e)
    {
        WorkEvent? withheld = null;
        foreach (var listener in _listeners)
            _ctx.Send(listener, CrossNode.Fits(listener, e.Data.Length, _settings) ? e : withheld ??= CrossNode.Withheld(e, _settings));
    }

    private JobReturned Returned(string handle) => new(handle, _listeners.ToArray());

    /// <summary>
    /// Hands the job back to the queue, which then gives this actor another job or stops it. Until then, whatever
    /// the queue routed here before it learned the job's fate goes back to the queue, which now answers it (a
    /// coalescing submit, a status query), so nothing sent to a job that is just ending is lost.
    /// </summary>
    private void Finish(object outcome)
    {
        Timers.CancelAll();
        _handle = null;
        // The list is cleared, never handed over: the queue got its own copy, if it needs one, in the outcome.
        _listeners.Clear();
        _queue.Tell(outcome);
    }

    private void Finished(object message)
    {
        switch (message)
        {
            case Submit or GetJobStatus or GetUniqueStatus or RemoveListener:
                _queue.Tell(message);
                break;
            case WorkEvent late:
                Late(late);
                break;
            case Terminated t when t.ActorRef.Equals(_worker):
                _worker = ActorRefs.Nobody;
                break;
            case Links.Fenced f when f.Token == _fence:
                // The job ended while its worker's death notice was fenced (its WORK_COMPLETE came first).
                (_fence, _worker) = (null, ActorRefs.Nobody);
                break;
            // Everything else is about a job that has ended, and is dropped here.
        }
    }

    /// <summary>The late result of a worker that timed out: the job went back to its queue, nothing to wait for.</summary>
    private void Late(WorkEvent late)
    {
        if (late.AckSeq != 0) _ctx.Send(Sender, new Acknowledged(late.AckSeq));
    }

    private sealed class Producer : IIndirectActorProducer
    {
        private readonly IActorRef _queue;
        private readonly BrokerContext _ctx;

        public Producer(IActorRef queue, BrokerContext ctx) => (_queue, _ctx) = (queue, ctx);

        public Type ActorType => typeof(JobActor);
        public ActorBase Produce() => new JobActor(_queue, _ctx);
        public void Release(ActorBase actor) { }
    }
}
