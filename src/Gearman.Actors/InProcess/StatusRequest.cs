using Akka.Actor;
using Gearman.Actors.Directory;
using Gearman.Actors.Queues;

namespace Gearman.Actors.InProcess;

/// <summary>
/// One in-process GET_STATUS: finds the queue that owns the handle (on this node's directory, else by asking every
/// node), asks it, and completes the caller's task. A handle nobody knows is reported unknown, as gearmand does.
/// </summary>
internal sealed class StatusRequest : UntypedActor
{
    private const long Seq = 1;
    private const int MaxHandleLength = 64;

    private sealed class Abandon
    {
        public static readonly Abandon Instance = new();
    }

    private readonly BrokerContext _ctx;
    private readonly QueryStatus _query;
    private CancellationTokenRegistration _cancellation;

    private StatusRequest(BrokerContext ctx, QueryStatus query)
    {
        _ctx = ctx;
        _query = query;
    }

    public static Props Props(BrokerContext ctx, QueryStatus query) => Akka.Actor.Props.CreateBy(new Producer(ctx, query));

    protected override void PreStart()
    {
        var (self, handle) = (Self, _query.Handle);
        _cancellation = _query.Cancellation.UnsafeRegister(static s => ((IActorRef)s!).Tell(Abandon.Instance), self);
        Context.SetReceiveTimeout(_ctx.Settings.RequestTimeout);
        if (handle.Length >= MaxHandleLength) self.Tell(JobStatus.Unknown(Seq, handle));
        else if (_ctx.Directory.TryGetFunctionOfHandle(handle, out var function)) _ctx.Queues.Tell(new GetJobStatus(function, handle, self, Seq));
        else if (Akka.Cluster.Cluster.Get(Context.System).State.Members.Count > 1)
            // The command is built inside the lookup actor, so it captures this actor's ref, never reads Self there.
            Context.ActorOf(ClusterLookup.Props(_ctx, LookupKind.Handle, handle, f => new GetJobStatus(f, handle, self, Seq), self,
                JobStatus.Unknown(Seq, handle)));
        else self.Tell(JobStatus.Unknown(Seq, handle));
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case JobStatus s:
                _query.Status.TrySetResult(new GearmanJobStatus(s.Handle, s.Known, s.Running, s.Numerator, s.Denominator));
                Context.Stop(Self);
                break;
            case ReceiveTimeout:
                // The answer was lost with its node: the job is as good as unknown.
                _query.Status.TrySetResult(new GearmanJobStatus(_query.Handle, false, false, "0", "0"));
                Context.Stop(Self);
                break;
            case Abandon:
                _query.Status.TrySetCanceled(_query.Cancellation);
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    protected override void PostStop()
    {
        _cancellation.Dispose();
        _query.Status.TrySetException(new InvalidOperationException($"the status query of {_query.Handle} stopped without an answer"));
    }

    private sealed class Producer(BrokerContext ctx, QueryStatus query) : IIndirectActorProducer
    {
        public Type ActorType => typeof(StatusRequest);
        public ActorBase Produce() => new StatusRequest(ctx, query);
        public void Release(ActorBase actor) { }
    }
}
