namespace Gearman.Actors.Client.Internal;

/// <summary>A registered function: its handler and its CAN_DO_TIMEOUT, if any.</summary>
internal sealed record Registration(JobHandler Handler, TimeSpan? Timeout);

/// <summary>What all the connections of one worker share, fixed when the worker starts.</summary>
internal sealed class WorkerRuntime
{
    public WorkerRuntime(IReadOnlyDictionary<string, Registration> functions, JobSlots slots, string? clientId,
        bool reportExceptions, CancellationToken abort)
    {
        Functions = functions;
        Slots = slots;
        ClientId = clientId;
        ReportExceptions = reportExceptions;
        Abort = abort;
    }

    public IReadOnlyDictionary<string, Registration> Functions { get; }
    public JobSlots Slots { get; }
    public string? ClientId { get; }
    public bool ReportExceptions { get; }

    /// <summary>Cancelled when a stop stops being graceful: every handler's token follows it.</summary>
    public CancellationToken Abort { get; }
}
