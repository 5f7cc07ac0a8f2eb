using System.Buffers;
using Gearman.Actors.Client.Internal;
using Gearman.Actors.Protocol;
using Microsoft.Extensions.Logging;

namespace Gearman.Actors.Client;

/// <summary>
/// Submits jobs to Gearman job servers and asks about them. Thread-safe: any number of calls may be in flight at
/// once, and they share one connection (the protocol answers a connection's requests in order, and later packets
/// carry the job handle), so a thousand concurrent submits are a thousand packets in a few writes.
/// The connection is opened on first use; when it is lost, requests waiting on it fail with
/// <see cref="GearmanConnectionLostException"/> and the next call connects again, to the next server of the list.
/// </summary>
public sealed class GearmanClient : IAsyncDisposable
{
    private readonly GearmanClientOptions _options;
    private readonly ServerRotation _servers;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private volatile ClientSession? _session;
    private volatile bool _disposed;

    public GearmanClient(GearmanClientOptions options)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _servers = new ServerRotation(options.Servers);
        _log = options.LoggerFactory.CreateLogger<GearmanClient>();
    }

    /// <param name="servers">"host:port" of each server, in the order to try them.</param>
    public GearmanClient(params string[] servers) : this(OptionsFor(servers)) { }

    /// <summary>The server of the open connection, or null before the first call and after a connection is lost.</summary>
    public ServerAddress? ConnectedServer => _session is { IsClosed: false } s ? s.Server : null;

    /// <summary>
    /// Runs a foreground job and returns its result (WORK_COMPLETE). Events go to <paramref name="progress"/> on the
    /// connection's read loop, in order, as they arrive (a <see cref="Progress{T}"/> posts them and may reorder them).
    /// </summary>
    /// <param name="unique">
    /// The job's unique id: jobs of one function with the same unique id are coalesced into one run whose result
    /// every submitter gets. "-" coalesces on the payload. Null or empty never coalesces.
    /// </param>
    /// <param name="cancellationToken">
    /// Stops waiting. The protocol has no way to withdraw a job, so it may still run.
    /// </param>
    /// <exception cref="GearmanJobFailedException">WORK_FAIL.</exception>
    /// <exception cref="GearmanJobException">WORK_EXCEPTION (when <see cref="GearmanClientOptions.ReceiveExceptions"/>).</exception>
    /// <exception cref="GearmanConnectionLostException">The connection closed before the job ended.</exception>
    /// <exception cref="GearmanServerException">The server refused the job (ERROR).</exception>
    public async Task<ReadOnlyMemory<byte>> SubmitAsync(string function, ReadOnlyMemory<byte> payload,
        JobPriority priority = JobPriority.Normal, string? unique = null, IProgress<JobEvent>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var job = new JobState(background: false, progress, streamEvents: false);
        await SubmitAsync(job, Requests.SubmitType(priority, background: false), function, unique, payload, cancellationToken).ConfigureAwait(false);
        return await job.Result.ConfigureAwait(false);
    }

    /// <summary>
    /// Submits a foreground job and returns once the server has accepted it, to read its events as a stream and await
    /// its result (see <see cref="ForegroundJob"/>).
    /// </summary>
    public async Task<ForegroundJob> StartJobAsync(string function, ReadOnlyMemory<byte> payload,
        JobPriority priority = JobPriority.Normal, string? unique = null, CancellationToken cancellationToken = default)
    {
        var job = new JobState(background: false, progress: null, streamEvents: true);
        await SubmitAsync(job, Requests.SubmitType(priority, background: false), function, unique, payload, cancellationToken).ConfigureAwait(false);
        await job.Created.ConfigureAwait(false);
        return new ForegroundJob(job);
    }

    /// <summary>Submits a background job and returns its handle; the server runs it with no client attached.</summary>
    public async Task<string> SubmitBackgroundAsync(string function, ReadOnlyMemory<byte> payload,
        JobPriority priority = JobPriority.Normal, string? unique = null, CancellationToken cancellationToken = default)
    {
        var job = new JobState(background: true, progress: null, streamEvents: false);
        await SubmitAsync(job, Requests.SubmitType(priority, background: true), function, unique, payload, cancellationToken).ConfigureAwait(false);
        return await job.Created.ConfigureAwait(false);
    }

    /// <summary>
    /// Submits a background job that no worker gets before <paramref name="runAt"/> (SUBMIT_JOB_EPOCH, whole
    /// seconds; a time in the past runs at once). Returns its handle.
    /// </summary>
    public async Task<string> ScheduleAsync(string function, ReadOnlyMemory<byte> payload, DateTimeOffset runAt,
        string? unique = null, CancellationToken cancellationToken = default)
    {
        Requests.ValidateName(function, nameof(function));
        unique ??= "";
        Requests.ValidateName(unique, nameof(unique), Requests.MaxUniqueLength);
        var epoch = runAt.ToUnixTimeSeconds();
        var job = new JobState(background: true, progress: null, streamEvents: false);
        await SendAsync(s => s.TrySubmitEpoch(job, function, unique, epoch, payload.Span), cancellationToken).ConfigureAwait(false);
        job.WatchCancellation(cancellationToken);
        return await job.Created.ConfigureAwait(false);
    }

    /// <summary>GET_STATUS: what the server knows about a job handle.</summary>
    public Task<JobStatus> GetStatusAsync(string handle, CancellationToken cancellationToken = default)
    {
        Requests.ValidateName(handle, nameof(handle), Requests.MaxHandleLength);
        return RequestAsync(new ReplyWaiter<JobStatus>(PacketType.StatusRes, Replies.Status), PacketType.GetStatus, handle, cancellationToken);
    }

    /// <summary>GET_STATUS_UNIQUE: what the server knows about the job with this unique id.</summary>
    public Task<UniqueJobStatus> GetStatusByUniqueAsync(string unique, CancellationToken cancellationToken = default)
    {
        Requests.ValidateName(unique, nameof(unique), Requests.MaxUniqueLength);
        return RequestAsync(new ReplyWaiter<UniqueJobStatus>(PacketType.StatusResUnique, Replies.UniqueStatus),
            PacketType.GetStatusUnique, unique, cancellationToken);
    }

    /// <summary>ECHO_REQ: a round trip to the server, which sends the payload back untouched.</summary>
    public async Task<ReadOnlyMemory<byte>> EchoAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        var waiter = new ReplyWaiter<ReadOnlyMemory<byte>>(PacketType.EchoRes, static (in ReadOnlySequence<byte> b) => Replies.Payload(b));
        await SendAsync(s => s.TrySend(waiter, PacketType.EchoReq, payload.Span), cancellationToken).ConfigureAwait(false);
        return await waiter.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task SubmitAsync(JobState job, PacketType type, string function, string? unique, ReadOnlyMemory<byte> payload,
        CancellationToken cancel)
    {
        Requests.ValidateName(function, nameof(function));
        unique ??= "";
        Requests.ValidateName(unique, nameof(unique), Requests.MaxUniqueLength);
        await SendAsync(s => s.TrySubmit(job, type, function, unique, payload.Span), cancel).ConfigureAwait(false);
        job.WatchCancellation(cancel);
    }

    private async Task<T> RequestAsync<T>(ReplyWaiter<T> waiter, PacketType type, string argument, CancellationToken cancel)
    {
        await SendAsync(s => s.TrySend(waiter, type, argument), cancel).ConfigureAwait(false);
        return await waiter.WaitAsync(cancel).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes a request on the current connection, connecting first if there is none. A connection found closed
    /// before anything was written is replaced and the write tried again, so a request is never lost unsent.
    /// </summary>
    private async Task SendAsync(Func<ClientSession, bool> trySend, CancellationToken cancel)
    {
        for (var attempt = 0; ; attempt++)
        {
            cancel.ThrowIfCancellationRequested();
            var session = _session;
            if (session is null || session.IsClosed) session = await ConnectAsync(cancel).ConfigureAwait(false);
            if (trySend(session)) return;
            if (attempt > _servers.Servers.Count)
                throw new GearmanConnectionLostException(session.Server);
        }
    }

    private async Task<ClientSession> ConnectAsync(CancellationToken cancel)
    {
        await _connectGate.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_session is { IsClosed: false } current) return current;
            var connection = await _servers.ConnectAsync(_options.ConnectTimeout, cancel).ConfigureAwait(false);
            _log.LogDebug("connected to {Server}", connection.Server);
            var session = ClientSession.Start(connection, _options.ReceiveExceptions, _log, OnSessionClosed);
            _session = session;
            return session;
        }
        finally
        {
            _connectGate.Release();
        }
    }

    private void OnSessionClosed(ClientSession session)
    {
        if (!_disposed) _servers.Lost(session.Server);
    }

    /// <summary>Closes the connection; calls still waiting fail with <see cref="GearmanConnectionLostException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        await _connectGate.WaitAsync().ConfigureAwait(false);
        try
        {
            _session?.Close(new ObjectDisposedException(nameof(GearmanClient)));
        }
        finally
        {
            _connectGate.Release();
        }
    }

    private static GearmanClientOptions OptionsFor(string[] servers)
    {
        var options = new GearmanClientOptions();
        foreach (var s in servers) options.Servers.Add(ServerAddress.Parse(s));
        return options;
    }
}
