using Gearman.Actors.Queues;

namespace Gearman.Actors.InProcess;

/// <summary>
/// The broker as seen from inside its own process: submit jobs and run workers by sending messages to the broker's
/// actors, with no TCP in between. In-process clients and workers share the queues with TCP clients and workers,
/// so any of them can serve or use any other.
/// </summary>
public interface IGearmanBroker
{
    /// <summary>
    /// Submits a foreground job and completes with its WORK_COMPLETE payload. Fails with
    /// <see cref="GearmanJobFailedException"/> on WORK_FAIL, <see cref="GearmanJobException"/> on WORK_EXCEPTION and
    /// <see cref="GearmanSubmitRejectedException"/> when the queue refuses the job. Cancelling stops waiting; the
    /// queue drops the job if nobody else waits for it. The broker keeps <paramref name="payload"/> without copying
    /// it, so the caller must not change it afterwards.
    /// </summary>
    Task<byte[]> SubmitAsync(string function, ReadOnlyMemory<byte> payload, Priority priority = Priority.Normal, string unique = "",
        CancellationToken cancellationToken = default);

    /// <summary>Submits a background job; completes with its handle once the job is queued (and stored, on a durable broker).</summary>
    Task<string> SubmitBackgroundAsync(string function, ReadOnlyMemory<byte> payload, Priority priority = Priority.Normal,
        string unique = "", CancellationToken cancellationToken = default);

    /// <summary>GET_STATUS: what the broker knows about a job handle, on this node or any other of the cluster.</summary>
    Task<GearmanJobStatus> GetStatusAsync(string handle, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs <paramref name="handler"/> for jobs of <paramref name="function"/>, at most <paramref name="concurrency"/>
    /// at a time, until the registration is disposed. The handler's result is sent as WORK_COMPLETE; throwing
    /// <see cref="GearmanJobFailedException"/> sends WORK_FAIL and any other exception WORK_EXCEPTION with its message.
    /// Jobs still running when the registration is disposed go back to their queue, and their token is cancelled.
    /// </summary>
    WorkerRegistration RegisterWorker(string function, Func<InProcessJob, CancellationToken, ValueTask<byte[]>> handler, int concurrency = 1);
}

/// <summary>The answer to GET_STATUS. <see cref="Numerator"/> and <see cref="Denominator"/> are as the worker sent them.</summary>
public sealed record GearmanJobStatus(string Handle, bool Known, bool Running, string Numerator, string Denominator);

/// <summary>The job ended with WORK_FAIL. A worker handler throws it to send WORK_FAIL.</summary>
public sealed class GearmanJobFailedException : Exception
{
    public GearmanJobFailedException() : base("the job failed (WORK_FAIL)") { }

    public GearmanJobFailedException(string handle) : base($"job {handle} failed (WORK_FAIL)") => Handle = handle;

    public string? Handle { get; }
}

/// <summary>The job ended with WORK_EXCEPTION; <see cref="Payload"/> is what the worker sent (usually its error message).</summary>
public sealed class GearmanJobException : Exception
{
    public GearmanJobException(string handle, byte[] payload)
        : base($"job {handle} failed: {System.Text.Encoding.UTF8.GetString(payload)}")
    {
        Handle = handle;
        Payload = payload;
    }

    public string Handle { get; }
    public byte[] Payload { get; }
}

/// <summary>The broker refused the submit (for example QUEUE_ERROR "Job queue is full"), or did not answer in time.</summary>
public sealed class GearmanSubmitRejectedException : Exception
{
    public GearmanSubmitRejectedException(string code, string text) : base($"{code}: {text}") => Code = code;

    public string Code { get; }
}
