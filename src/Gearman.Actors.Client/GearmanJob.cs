using Gearman.Actors.Client.Internal;
using Gearman.Actors.Protocol;

namespace Gearman.Actors.Client;

/// <summary>
/// A job assigned to this worker (JOB_ASSIGN_UNIQ), as its handler sees it. Through it the handler reports to the
/// waiting clients while it runs; the result itself is the handler's return value.
/// </summary>
public sealed class GearmanJob
{
    private readonly WorkerConnection _connection;
    private volatile bool _finished;

    internal GearmanJob(WorkerConnection connection, string handle, string function, string unique, ReadOnlyMemory<byte> payload)
    {
        _connection = connection;
        Handle = handle;
        Function = function;
        Unique = unique;
        Payload = payload;
    }

    public string Handle { get; }
    public string Function { get; }
    /// <summary>The unique id the client gave, or empty.</summary>
    public string Unique { get; }
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>The server that assigned the job.</summary>
    public ServerAddress Server => _connection.Server;

    /// <summary>WORK_DATA: partial output for the clients waiting on this job.</summary>
    public ValueTask SendDataAsync(ReadOnlyMemory<byte> data) => SendAsync(PacketType.WorkData, data);

    /// <summary>WORK_WARNING: a warning for the clients waiting on this job; the job goes on.</summary>
    public ValueTask SendWarningAsync(ReadOnlyMemory<byte> data) => SendAsync(PacketType.WorkWarning, data);

    /// <summary>WORK_STATUS: progress as numerator/denominator; servers also keep it for GET_STATUS.</summary>
    public ValueTask SendStatusAsync(long numerator, long denominator)
    {
        EnsureRunning();
        using (var scope = _connection.Connection.BeginWrite())
            Requests.WorkStatus(scope.Buffer, Handle, numerator, denominator);
        return new ValueTask(_connection.Connection.FlushedAsync());
    }

    private ValueTask SendAsync(PacketType type, ReadOnlyMemory<byte> data)
    {
        EnsureRunning();
        using (var scope = _connection.Connection.BeginWrite())
            Requests.WithPayload(scope.Buffer, type, data.Span, Handle);
        // Waiting for the flush keeps a chatty handler from piling up output faster than the socket takes it.
        return new ValueTask(_connection.Connection.FlushedAsync());
    }

    internal void Finish() => _finished = true;

    private void EnsureRunning()
    {
        if (_finished) throw new InvalidOperationException($"job {Handle} has already ended");
    }

    public override string ToString() => $"{Function} {Handle}";
}
