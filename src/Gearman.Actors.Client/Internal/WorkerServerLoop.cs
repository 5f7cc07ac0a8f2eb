using Microsoft.Extensions.Logging;

namespace Gearman.Actors.Client.Internal;

/// <summary>
/// Keeps one worker connection to one server alive: connects, runs a <see cref="WorkerConnection"/> until it is lost,
/// waits (exponential backoff) and connects again, until the worker stops.
/// </summary>
internal sealed class WorkerServerLoop
{
    private readonly ServerAddress _server;
    private readonly WorkerRuntime _runtime;
    private readonly GearmanWorkerOptions _options;
    private readonly int _maxHeld;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _firstAttempt = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile WorkerConnection? _current;

    public WorkerServerLoop(ServerAddress server, WorkerRuntime runtime, GearmanWorkerOptions options, int maxHeld, ILogger log)
    {
        _server = server;
        _runtime = runtime;
        _options = options;
        _maxHeld = maxHeld;
        _log = log;
    }

    /// <summary>Completes when the first connection is registered, or the first connect has failed.</summary>
    public Task FirstAttempt => _firstAttempt.Task;

    public bool IsConnected => _current is { Connection.IsClosed: false, Ready.IsCompletedSuccessfully: true };

    public Task Completion { get; private set; } = Task.CompletedTask;

    public void Start() => Completion = Task.Run(RunAsync);

    /// <summary>No more jobs and no reconnects; <see cref="Completion"/> ends once held jobs are answered and the connection closed.</summary>
    public void BeginStop()
    {
        _stop.Cancel();
        _current?.BeginStop();
    }

    /// <summary>Closes the connection at once, whatever it holds.</summary>
    public void Abort() => _current?.Connection.Close(new OperationCanceledException("the worker was stopped"));

    private async Task RunAsync()
    {
        var backoff = new Backoff(_options.ReconnectDelay, _options.MaxReconnectDelay);
        while (!_stop.IsCancellationRequested)
        {
            PacketConnection connection;
            try
            {
                connection = await PacketConnection.ConnectAsync(_server, _options.ConnectTimeout, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (!_stop.IsCancellationRequested)
            {
                _log.LogDebug(ex, "cannot connect to {Server}", _server);
                _firstAttempt.TrySetResult();
                if (!await WaitAsync(backoff.Next()).ConfigureAwait(false)) break;
                continue;
            }
            catch (OperationCanceledException)
            {
                break;
            }

            var worker = new WorkerConnection(connection, _runtime, _maxHeld, _log);
            _current = worker;
            worker.Start();
            if (_stop.IsCancellationRequested) worker.BeginStop();
            try
            {
                await worker.Ready.ConfigureAwait(false);
                backoff.Reset();
                _log.LogDebug("worker registered with {Server}", _server);
            }
            catch (GearmanConnectionLostException)
            {
                // Lost before the registrations were confirmed: back off below.
            }
            _firstAttempt.TrySetResult();

            await Task.WhenAny(worker.Drained, connection.Closed).ConfigureAwait(false);
            if (!connection.IsClosed)
            {
                // Drained after a stop: results are written; let them leave before closing.
                await CloseGracefullyAsync(connection).ConfigureAwait(false);
                break;
            }
            _current = null;
            if (!_stop.IsCancellationRequested)
            {
                _log.LogInformation("worker connection to {Server} lost; reconnecting", _server);
                if (!await WaitAsync(backoff.Next()).ConfigureAwait(false)) break;
            }
        }
        _firstAttempt.TrySetResult();
    }

    /// <summary>
    /// Sends what is written, then half-closes and waits for the server to close: closing a socket with unread input
    /// makes the kernel reset the connection, which may discard results still in flight.
    /// </summary>
    private static async Task CloseGracefullyAsync(PacketConnection connection)
    {
        try
        {
            await connection.FlushedAsync().ConfigureAwait(false);
            connection.ShutdownSend();
            await connection.Closed.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Timed out or already broken: close regardless.
        }
        connection.Close(new OperationCanceledException("the worker stopped"));
    }

    /// <returns>False when the worker stopped during the wait.</returns>
    private async Task<bool> WaitAsync(TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _stop.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
