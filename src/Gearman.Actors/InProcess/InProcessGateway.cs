using Akka.Actor;
using Gearman.Actors.Queues;

namespace Gearman.Actors.InProcess;

/// <summary>A foreground or background submit from the in-process API; exactly one of the two completions is set.</summary>
public sealed record SubmitJob(
    string Function,
    string Unique,
    ReadOnlyMemory<byte> Payload,
    Priority Priority,
    TaskCompletionSource<byte[]>? Result,
    TaskCompletionSource<string>? Handle,
    CancellationToken Cancellation)
{
    internal void Fail(Exception error)
    {
        Result?.TrySetException(error);
        Handle?.TrySetException(error);
    }
}

/// <summary>A GET_STATUS from the in-process API.</summary>
public sealed record QueryStatus(string Handle, TaskCompletionSource<GearmanJobStatus> Status, CancellationToken Cancellation);

/// <summary>Starts an in-process worker for one function.</summary>
public sealed record StartWorker(
    string Function,
    Func<InProcessJob, CancellationToken, ValueTask<byte[]>> Handler,
    int Concurrency,
    WorkerRegistration Registration);

/// <summary>
/// The parent of every in-process request and worker: one child actor per submit, per status query and per worker
/// registration. A child that throws is stopped, never restarted: its state is a conversation with queues and jobs
/// that a fresh instance could not pick up, and a stopped child fails its caller's task and releases its jobs.
/// </summary>
public sealed class InProcessGateway : UntypedActor
{
    private readonly BrokerContext _ctx;

    public InProcessGateway(BrokerContext ctx) => _ctx = ctx;

    public static Props Props(BrokerContext ctx) => Akka.Actor.Props.Create(() => new InProcessGateway(ctx));

    protected override SupervisorStrategy SupervisorStrategy() => Akka.Actor.SupervisorStrategy.StoppingStrategy;

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case SubmitJob m:
                Context.ActorOf(SubmitRequest.Props(_ctx, m));
                break;
            case QueryStatus m:
                Context.ActorOf(StatusRequest.Props(_ctx, m));
                break;
            case StartWorker m:
                Context.ActorOf(InProcessWorker.Props(_ctx, m));
                break;
            default:
                Unhandled(message);
                break;
        }
    }
}
