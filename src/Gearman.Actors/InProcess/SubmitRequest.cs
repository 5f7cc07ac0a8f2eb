using System.Buffers;
using Akka.Actor;
using Gearman.Actors.Jobs;
using Gearman.Actors.Protocol;
using Gearman.Actors.Queues;

namespace Gearman.Actors.InProcess;

/// <summary>
/// One in-process submit, playing the part a client connection plays for SUBMIT_JOB*: it sends the job to its queue,
/// waits for JOB_CREATED, then (for a foreground job) for the job's end, and completes the caller's task.
/// </summary>
internal sealed class SubmitRequest : UntypedActor
{
    /// <summary>A request has one reply slot of its own, so its sequence number is a constant.</summary>
    private const long Seq = 1;

    private sealed class Abandon
    {
        public static readonly Abandon Instance = new();
    }

    private readonly BrokerContext _ctx;
    private readonly SubmitJob _job;
    private bool Background => _job.Handle is not null;
    /// <summary>The handle of the foreground job this request waits on; null before JOB_CREATED and after the end.</summary>
    private string? _waitingOn;
    /// <summary>The actor that holds the job (its queue, or the running job), watched so that losing its node fails the job.</summary>
    private IActorRef? _owner;
    private bool _abandoned;
    private CancellationTokenRegistration _cancellation;

    private SubmitRequest(BrokerContext ctx, SubmitJob job)
    {
        _ctx = ctx;
        _job = job;
    }

    public static Props Props(BrokerContext ctx, SubmitJob job) => Akka.Actor.Props.CreateBy(new Producer(ctx, job));

    protected override void PreStart()
    {
        var self = Self;
        _cancellation = _job.Cancellation.UnsafeRegister(static s => ((IActorRef)s!).Tell(Abandon.Instance), self);
        _ctx.Queues.Tell(new Submit(_job.Function, _job.Unique, new ReadOnlySequence<byte>(_job.Payload), _job.Priority, Background,
            WhenEpoch: 0, Reducer: "", self, Seq));
        Context.SetReceiveTimeout(_ctx.Settings.RequestTimeout);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case JobAccepted accepted:
                OnAccepted(accepted.Handle);
                break;
            case SubmitRejected rejected:
                Finish(new GearmanSubmitRejectedException(rejected.Code, rejected.Text));
                break;
            case WorkEvent { IsFinal: true } end:
                _waitingOn = null;
                Finish(end.Type switch
                {
                    PacketType.WorkComplete => null,
                    PacketType.WorkException => new GearmanJobException(end.Handle, end.Data.ToArray()),
                    _ => new GearmanJobFailedException(end.Handle),
                }, end.Data);
                break;
            case WorkEvent:
                // WORK_DATA, WORK_WARNING and WORK_STATUS: the in-process API returns the result only.
                break;
            case JobMoved moved when moved.Handle == _waitingOn:
                Follow(Sender);
                break;
            case Terminated { AddressTerminated: true } lost when lost.ActorRef.Equals(_owner) && _waitingOn is { } handle:
                // The job's node is gone and the job with it, as a TCP client would learn with WORK_FAIL.
                _waitingOn = null;
                Finish(new GearmanJobFailedException(handle));
                break;
            case Terminated:
                // A queue that stops by itself has finished the job or handed it on (JobMoved follows).
                break;
            case ReceiveTimeout:
                Finish(new GearmanSubmitRejectedException(ErrorCode.QueueError, "No answer from the job's queue in time; the job may not exist"));
                break;
            case Abandon:
                OnAbandon();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void OnAccepted(string handle)
    {
        Context.SetReceiveTimeout(null);
        if (Background)
        {
            _job.Handle!.TrySetResult(handle);
            Context.Stop(Self);
            return;
        }
        _waitingOn = handle;
        // Stopping now tells the queue, in PostStop, that nobody waits for the job any more.
        if (_abandoned) Context.Stop(Self);
        else Follow(Sender);
    }

    private void OnAbandon()
    {
        _abandoned = true;
        _job.Result?.TrySetCanceled(_job.Cancellation);
        _job.Handle?.TrySetCanceled(_job.Cancellation);
        // Before JOB_CREATED there is no handle to give up yet: wait for it (or for the timeout) first.
        if (_waitingOn is not null) Context.Stop(Self);
    }

    private void Follow(IActorRef owner)
    {
        if (_owner is not null) Context.Unwatch(_owner);
        _owner = owner;
        Context.Watch(owner);
    }

    private void Finish(Exception? error, in ReadOnlySequence<byte> result = default)
    {
        if (error is not null) _job.Fail(error);
        else _job.Result?.TrySetResult(result.ToArray());
        Context.Stop(Self);
    }

    protected override void PostStop()
    {
        _cancellation.Dispose();
        if (_waitingOn is { } handle) _ctx.Queues.Tell(new ListenerGone(_job.Function, handle, Self));
        // Only reached with the task still open when this actor failed or the system is stopping.
        _job.Fail(new InvalidOperationException($"the submit of {_job.Function} stopped before the job ended"));
    }

    private sealed class Producer(BrokerContext ctx, SubmitJob job) : IIndirectActorProducer
    {
        public Type ActorType => typeof(SubmitRequest);
        public ActorBase Produce() => new SubmitRequest(ctx, job);
        public void Release(ActorBase actor) { }
    }
}
