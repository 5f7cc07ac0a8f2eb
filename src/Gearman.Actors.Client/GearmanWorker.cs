using Gearman.Actors.Client.Internal;
using Microsoft.Extensions.Logging;

namespace Gearman.Actors.Client;

/// <summary>
/// Runs jobs for the functions registered with <see cref="Register(string, JobHandler, TimeSpan?)"/>, taking them from
/// every server of the list. Up to <see cref="GearmanWorkerOptions.MaxConcurrentJobs"/> run at once. An idle worker
/// sleeps on the server's NOOP (no polling); a lost connection is re-established with backoff.
/// </summary>
public sealed class GearmanWorker : IAsyncDisposable
{
    private readonly GearmanWorkerOptions _options;
    private readonly ILogger _log;
    private readonly Dictionary<string, Registration> _functions = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _abort = new();
    private readonly List<WorkerServerLoop> _loops = new();
    private int _state; // 0 new, 1 started, 2 stopping

    public GearmanWorker(GearmanWorkerOptions options)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        if (options.Servers.Count == 0) throw new ArgumentException("at least one server is needed", nameof(options));
        if (options.MaxConcurrentJobs < 1) throw new ArgumentOutOfRangeException(nameof(options), "MaxConcurrentJobs must be at least 1");
        _log = options.LoggerFactory.CreateLogger<GearmanWorker>();
    }

    /// <param name="servers">"host:port" of each server.</param>
    public GearmanWorker(params string[] servers) : this(OptionsFor(servers)) { }

    /// <summary>How many servers this worker is connected and registered with right now.</summary>
    public int ConnectedServers => _loops.Count(l => l.IsConnected);

    /// <summary>
    /// Registers a function (CAN_DO), or with <paramref name="timeout"/> CAN_DO_TIMEOUT: a server that sees no
    /// result within it gives the job to another worker (gearmand rounds it up to whole seconds). Before
    /// <see cref="StartAsync"/> only.
    /// </summary>
    public GearmanWorker Register(string function, JobHandler handler, TimeSpan? timeout = null)
    {
        Requests.ValidateName(function, nameof(function));
        ArgumentNullException.ThrowIfNull(handler);
        if (timeout is { } t && t <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(timeout), t, "must be positive");
        if (Volatile.Read(ref _state) != 0) throw new InvalidOperationException("register functions before StartAsync");
        _functions[function] = new Registration(handler, timeout);
        return this;
    }

    /// <summary>
    /// Connects to every server and starts taking jobs. Returns once each server has been tried: registered, or
    /// found unreachable (then it is retried in the background). Does not throw for unreachable servers.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0) throw new InvalidOperationException("the worker has already been started");
        if (_functions.Count == 0) throw new InvalidOperationException("register at least one function first");

        var runtime = new WorkerRuntime(new Dictionary<string, Registration>(_functions, StringComparer.Ordinal),
            new JobSlots(_options.MaxConcurrentJobs), _options.ClientId, _options.ReportExceptions, _abort.Token);
        // gearmand keeps one CAN_DO_TIMEOUT timer per connection, re-armed by each assignment and dropped by PRE_SLEEP,
        // so timeouts are only exact on connections that hold one job at a time.
        var usesTimeouts = _functions.Values.Any(r => r.Timeout is not null);
        var perServer = usesTimeouts ? _options.MaxConcurrentJobs : 1;
        var maxHeld = usesTimeouts ? 1 : _options.MaxConcurrentJobs;
        foreach (var server in _options.Servers)
            for (var i = 0; i < perServer; i++)
                _loops.Add(new WorkerServerLoop(server, runtime, _options, maxHeld, _log));
        foreach (var loop in _loops) loop.Start();
        await Task.WhenAll(_loops.Select(l => l.FirstAttempt)).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops taking jobs, lets the running ones finish and sends their results, then closes the connections. If
    /// <paramref name="cancellationToken"/> is cancelled first, the stop stops being graceful: handlers' tokens are
    /// cancelled and the connections closed at once (the servers requeue what was running).
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _state, 2) == 0) return;
        foreach (var loop in _loops) loop.BeginStop();
        var all = Task.WhenAll(_loops.Select(l => l.Completion));
        try
        {
            await all.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _abort.Cancel();
            foreach (var loop in _loops) loop.Abort();
            await all.ConfigureAwait(false);
        }
    }

    /// <summary>A graceful <see cref="StopAsync"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _abort.Dispose();
    }

    private static GearmanWorkerOptions OptionsFor(string[] servers)
    {
        var options = new GearmanWorkerOptions();
        foreach (var s in servers) options.Servers.Add(ServerAddress.Parse(s));
        return options;
    }
}
