namespace Gearman.Actors.InProcess;

/// <summary>
/// An in-process worker's registration. Disposing it stops the worker: the function's queues forget it and jobs it
/// still runs go back to their queue.
/// </summary>
public sealed class WorkerRegistration : IDisposable, IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _registered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal WorkerRegistration(string function) => Function = function;

    public string Function { get; }

    /// <summary>Completes once the function's queue has taken the worker (and faults if the worker stopped first).</summary>
    public Task Registered => _registered.Task;

    /// <summary>Completes when the worker has stopped.</summary>
    public Task Stopped => _stopped.Task;

    internal CancellationToken StopRequested => _stop.Token;

    internal void OnRegistered() => _registered.TrySetResult();

    internal void OnStopped()
    {
        _registered.TrySetException(new InvalidOperationException($"the worker of {Function} stopped before its queue took it"));
        _stopped.TrySetResult();
    }

    public void Dispose()
    {
        // Cancel (not Dispose) the source: the worker actor may still be registering its callback.
        _stop.Cancel();
    }

    public async ValueTask DisposeAsync()
    {
        Dispose();
        await Stopped.ConfigureAwait(false);
    }
}
