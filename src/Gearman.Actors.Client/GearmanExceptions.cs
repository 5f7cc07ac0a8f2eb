using System.Text;

namespace Gearman.Actors.Client;

/// <summary>The base of every exception this library throws about the server or a job.</summary>
public class GearmanException : Exception
{
    public GearmanException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>The worker gave up on the job: WORK_FAIL (or the job was cancelled on the server).</summary>
public class GearmanJobFailedException : GearmanException
{
    public GearmanJobFailedException(string handle, string? message = null)
        : base(message ?? $"job {handle} failed (WORK_FAIL)") => Handle = handle;

    public string Handle { get; }
}

/// <summary>
/// The worker's code threw: WORK_EXCEPTION with the worker's description in <see cref="Payload"/>. Only clients that
/// ask for exceptions (<see cref="GearmanClientOptions.ReceiveExceptions"/>) get these; servers tell other clients
/// WORK_FAIL.
/// </summary>
public sealed class GearmanJobException : GearmanJobFailedException
{
    public GearmanJobException(string handle, ReadOnlyMemory<byte> data)
        : base(handle, $"job {handle} threw on the worker: {Encoding.UTF8.GetString(data.Span)}") => Payload = data;

    public ReadOnlyMemory<byte> Payload { get; }
}

/// <summary>The server answered a request with an ERROR packet, for example QUEUE_ERROR when a queue is full.</summary>
public sealed class GearmanServerException : GearmanException
{
    public GearmanServerException(ServerAddress server, string code, string text)
        : base($"{server} answered ERROR {code}: {text}")
    {
        Server = server;
        Code = code;
        Text = text;
    }

    public ServerAddress Server { get; }
    /// <summary>The error code, for example <c>QUEUE_ERROR</c> (see Gearman.Actors.Protocol's <c>ErrorCode</c>).</summary>
    public string Code { get; }
    public string Text { get; }
}

/// <summary>
/// The connection that carried a request closed before its answer came. For a foreground job the job may still run
/// on the server, but its result can no longer reach this client.
/// </summary>
public sealed class GearmanConnectionLostException : GearmanException
{
    public GearmanConnectionLostException(ServerAddress server, Exception? cause = null)
        : base($"connection to {server} lost" + (cause is null ? "" : ": " + cause.Message), cause) => Server = server;

    public ServerAddress Server { get; }
}

/// <summary>No server of the list accepted a connection.</summary>
public sealed class GearmanConnectException : GearmanException
{
    public GearmanConnectException(IReadOnlyList<(ServerAddress Server, Exception Error)> attempts)
        : base("no Gearman server could be reached: " +
               string.Join("; ", attempts.Select(a => $"{a.Server}: {a.Error.Message}")),
            attempts.Count == 1 ? attempts[0].Error : new AggregateException(attempts.Select(a => a.Error)))
        => Attempts = attempts;

    public IReadOnlyList<(ServerAddress Server, Exception Error)> Attempts { get; }
}

/// <summary>The server sent something the protocol does not allow at that point; the connection is closed.</summary>
public sealed class GearmanProtocolException : GearmanException
{
    public GearmanProtocolException(string message) : base(message) { }
}
