using System.Text;
using Akka.Actor;
using Gearman.Actors.Queues;

namespace Gearman.Actors.InProcess;

/// <summary>
/// <see cref="IGearmanBroker"/> over the broker's <see cref="InProcessGateway"/>. Every call is one message to the
/// gateway, which starts an actor for it; that actor completes the returned task. Nothing here blocks or asks.
/// </summary>
public sealed class GearmanInProcessBroker : IGearmanBroker
{
    private const int MaxUniqueLength = 64;

    private readonly Task<IActorRef> _gateway;

    public GearmanInProcessBroker(IActorRef gateway) : this(Task.FromResult(gateway)) { }

    /// <summary>For a broker that is still starting: calls made before it has started wait for its gateway.</summary>
    public GearmanInProcessBroker(Task<IActorRef> gateway) => _gateway = gateway;

    public Task<byte[]> SubmitAsync(string function, ReadOnlyMemory<byte> payload, Priority priority = Priority.Normal, string unique = "",
        CancellationToken cancellationToken = default)
    {
        CheckUnique(unique);
        var result = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        Send(new SubmitJob(function, unique, payload, priority, result, null, cancellationToken), result);
        return result.Task;
    }

    public Task<string> SubmitBackgroundAsync(string function, ReadOnlyMemory<byte> payload, Priority priority = Priority.Normal,
        string unique = "", CancellationToken cancellationToken = default)
    {
        CheckUnique(unique);
        var handle = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        Send(new SubmitJob(function, unique, payload, priority, null, handle, cancellationToken), handle);
        return handle.Task;
    }

    public Task<GearmanJobStatus> GetStatusAsync(string handle, CancellationToken cancellationToken = default)
    {
        var status = new TaskCompletionSource<GearmanJobStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        Send(new QueryStatus(handle, status, cancellationToken), status);
        return status.Task;
    }

    public WorkerRegistration RegisterWorker(string function, Func<InProcessJob, CancellationToken, ValueTask<byte[]>> handler,
        int concurrency = 1)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        var registration = new WorkerRegistration(function);
        Send<object>(new StartWorker(function, handler, concurrency, registration), null);
        return registration;
    }

    /// <summary>Tells the gateway now when it is up, which is always the case once the broker has started.</summary>
    private void Send<T>(object request, TaskCompletionSource<T>? completion)
    {
        if (_gateway.IsCompletedSuccessfully) _gateway.Result.Tell(request);
        else _ = SendWhenStartedAsync(request, completion);
    }

    private async Task SendWhenStartedAsync<T>(object request, TaskCompletionSource<T>? completion)
    {
        try
        {
            (await _gateway.ConfigureAwait(false)).Tell(request);
        }
        catch (Exception error)
        {
            completion?.TrySetException(new InvalidOperationException("the Gearman broker did not start", error));
        }
    }

    private static void CheckUnique(string unique)
    {
        ArgumentNullException.ThrowIfNull(unique);
        // The protocol's limit, enforced as gearmand does for TCP submits.
        if (Encoding.Latin1.GetByteCount(unique) > MaxUniqueLength)
            throw new ArgumentException($"a unique is at most {MaxUniqueLength} bytes", nameof(unique));
    }
}
