using System.Buffers;
using System.Text;
using Gearman.Actors.Protocol;
using Microsoft.Extensions.Logging;

namespace Gearman.Actors.Client.Internal;

/// <summary>
/// A worker's use of one connection. It registers the functions, then asks for jobs while it has room
/// (GRAB_JOB_UNIQ); when the server has none it says PRE_SLEEP and asks again only after the server's NOOP, so an
/// idle worker sends nothing. It may hold several jobs at once: the protocol lets one connection own many
/// assigned jobs, and results go back by handle.
/// </summary>
internal sealed class WorkerConnection : IFrameSink
{
    private readonly WorkerRuntime _runtime;
    private readonly int _maxHeld;
    private readonly ILogger _log;
    private readonly object _gate = new();
    private readonly Action _wake;
    // Handlers' token: cancelled when this connection is lost (the server requeues its jobs) or the worker aborts.
    private readonly CancellationTokenSource _lost;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _registered;
    private bool _grabbing;
    private bool _sleeping;
    private bool _woken;
    private bool _stopping;
    private int _held;

    public WorkerConnection(PacketConnection connection, WorkerRuntime runtime, int maxHeld, ILogger log)
    {
        Connection = connection;
        _runtime = runtime;
        _maxHeld = maxHeld;
        _log = log;
        _wake = Pump;
        _lost = CancellationTokenSource.CreateLinkedTokenSource(runtime.Abort);
    }

    public PacketConnection Connection { get; }

    public ServerAddress Server => Connection.Server;

    /// <summary>Completes once the server has confirmed the registrations (the ECHO sent after them came back).</summary>
    public Task Ready => _ready.Task;

    /// <summary>Completes after <see cref="BeginStop"/> once no job is held and no grab is outstanding.</summary>
    public Task Drained => _drained.Task;

    /// <summary>Registers every function, then an ECHO whose answer says the server has taken them in.</summary>
    public void Start()
    {
        _runtime.Slots.Subscribe(_wake);
        Connection.Start(this);
        if (!Connection.TryBeginWrite(out var scope)) return;
        using (scope)
        {
            if (_runtime.ClientId is { } id) Requests.Text(scope.Buffer, PacketType.SetClientId, id);
            foreach (var (function, registration) in _runtime.Functions)
                Requests.CanDo(scope.Buffer, function, registration.Timeout);
            Requests.Text(scope.Buffer, PacketType.EchoReq, "registered");
        }
    }

    /// <summary>Asks for no more jobs; <see cref="Drained"/> completes when the held ones have been answered.</summary>
    public void BeginStop()
    {
        lock (_gate)
        {
            _stopping = true;
            CheckDrained();
        }
    }

    public void OnPacket(PacketType type, in ReadOnlySequence<byte> body)
    {
        switch (type)
        {
            case PacketType.EchoRes:
                lock (_gate) _registered = true;
                _ready.TrySetResult();
                Pump();
                break;
            case PacketType.Noop:
                lock (_gate) _woken = true;
                Pump();
                break;
            case PacketType.NoJob:
                OnNoJob();
                break;
            case PacketType.JobAssignUniq:
            {
                var a = Replies.Split(type, body, 4);
                OnAssigned(a.Text(0), a.Text(1), a.Text(2), Replies.Payload(a[3]));
                break;
            }
            case PacketType.JobAssign:
            {
                var a = Replies.Split(type, body, 3);
                OnAssigned(a.Text(0), a.Text(1), "", Replies.Payload(a[2]));
                break;
            }
            case PacketType.Error:
            {
                // For example JOB_NOT_FOUND for a result that came after the server requeued the job (CAN_DO_TIMEOUT).
                var a = Replies.Split(type, body, 2);
                _log.LogWarning("{Server} answered ERROR {Code}: {Text}", Server, a.Text(0), a.Text(1));
                break;
            }
            default:
                _log.LogDebug("ignoring {Type} from {Server}", type, Server);
                break;
        }
    }

    /// <summary>Asks for a job if there is room, a slot, and reason to think the server has one.</summary>
    private void Pump()
    {
        var giveBack = false;
        lock (_gate)
        {
            if (!_registered || _grabbing || _stopping || (_sleeping && !_woken) || _held >= _maxHeld) return;
            if (!_runtime.Slots.TryTake()) return;
            if (Connection.TryBeginWrite(out var scope))
            {
                using (scope) Requests.Text(scope.Buffer, PacketType.GrabJobUniq);
                _grabbing = true;
                _sleeping = false;
                _woken = false;
            }
            else giveBack = true;
        }
        // Outside the lock: giving a slot back wakes the other connections, which take their own locks.
        if (giveBack) _runtime.Slots.Release();
    }

    private void OnNoJob()
    {
        lock (_gate)
        {
            _grabbing = false;
            if (_stopping) CheckDrained();
            // Sleep: the server sends one NOOP when a job for any of our functions comes in.
            else if (Connection.TryBeginWrite(out var scope))
            {
                using (scope) Requests.Text(scope.Buffer, PacketType.PreSleep);
                _sleeping = true;
            }
        }
        _runtime.Slots.Release();
    }

    private void OnAssigned(string handle, string function, string unique, ReadOnlyMemory<byte> payload)
    {
        lock (_gate)
        {
            _grabbing = false;
            _held++;
        }
        var job = new GearmanJob(this, handle, function, unique, payload);
        _ = Task.Run(() => RunAsync(job));
        // More room: ask for the next job right away rather than after this one ends.
        Pump();
    }

    private async Task RunAsync(GearmanJob job)
    {
        ReadOnlyMemory<byte> result = default;
        Exception? error = null;
        try
        {
            if (!_runtime.Functions.TryGetValue(job.Function, out var registration))
                throw new GearmanJobFailedException(job.Handle, $"{Server} assigned {job.Function}, which this worker does not do");
            result = await registration.Handler(job, _lost.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            error = ex;
        }
        job.Finish();
        SendOutcome(job, result, error);
        lock (_gate)
        {
            _held--;
            CheckDrained();
        }
        _runtime.Slots.Release();
    }

    private void SendOutcome(GearmanJob job, ReadOnlyMemory<byte> result, Exception? error)
    {
        if (!Connection.TryBeginWrite(out var scope))
        {
            _log.LogWarning("job {Handle} ended after the connection to {Server} closed; the server has requeued it", job.Handle, Server);
            return;
        }
        using (scope)
        {
            switch (error)
            {
                case null:
                    Requests.WithPayload(scope.Buffer, PacketType.WorkComplete, result.Span, job.Handle);
                    break;
                case GearmanJobFailedException or OperationCanceledException:
                    Requests.Text(scope.Buffer, PacketType.WorkFail, job.Handle);
                    break;
                default:
                    _log.LogWarning(error, "job {Job} threw", job);
                    if (_runtime.ReportExceptions)
                        Requests.WithPayload(scope.Buffer, PacketType.WorkException, Encoding.UTF8.GetBytes(error.Message), job.Handle);
                    else
                        Requests.Text(scope.Buffer, PacketType.WorkFail, job.Handle);
                    break;
            }
        }
    }

    private void CheckDrained()
    {
        if (_stopping && !_grabbing && _held == 0) _drained.TrySetResult();
    }

    public void OnClosed(Exception reason)
    {
        _runtime.Slots.Unsubscribe(_wake);
        bool grabbing;
        lock (_gate)
        {
            grabbing = _grabbing;
            _grabbing = false;
            _stopping = true;
            CheckDrained();
        }
        // A grab that will never be answered gives its slot back; held jobs give theirs back when their handlers end.
        if (grabbing) _runtime.Slots.Release();
        _ready.TrySetException(new GearmanConnectionLostException(Server, reason));
        _ = _ready.Task.Exception;
        _lost.Cancel();
        _log.LogDebug(reason, "worker connection to {Server} closed", Server);
    }
}
