using System.Buffers;
using Akka.Actor;
using Gearman.Actors.Protocol;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Jobs;

/// <summary>
/// WORK_DATA, WORK_WARNING, WORK_STATUS, WORK_COMPLETE, WORK_FAIL or WORK_EXCEPTION. The worker's connection sends
/// it to the Job actor, which relays the same instance to every listening client.
/// For WORK_STATUS, <see cref="Numerator"/> and <see cref="Denominator"/> carry the fields as sent.
/// </summary>
/// <see cref="AckSeq"/>, when not 0, is the worker's reply slot to fill with <see cref="Queues.Acknowledged"/> once
/// the job's end is durable.
public sealed record WorkEvent(PacketType Type, string Handle, ReadOnlySequence<byte> Data, string Numerator = "", string Denominator = "",
    long AckSeq = 0)
{
    public bool IsFinal => Type is PacketType.WorkComplete or PacketType.WorkFail or PacketType.WorkException;
}

/// <summary>The job no longer belongs to this worker (CAN_DO_TIMEOUT expired); later WORK_* for it are unknown.</summary>
public sealed record JobRevoked(string Handle);

public sealed record RemoveListener(IActorRef Client);

/// <summary>Admin cancel of a running job: listeners get WORK_FAIL now; the worker may still finish it silently.</summary>
public sealed class CancelRunning
{
    public static readonly CancelRunning Instance = new();
    private CancelRunning() { }
}

/// <summary>The worker gave up the job's function (CANT_DO, RESET_ABILITIES): the job goes back to its queue.</summary>
public sealed record ReleaseJob(string Handle);

/// <summary>
/// From a queue to an idle Job actor of its own: run this job for this worker. It carries copies, never the queue's
/// own record: from here until the job ends or comes back, the Job actor alone keeps the job's listeners and status.
/// </summary>
internal sealed record RunJob(string Handle, IActorRef[] Listeners, IActorRef Worker, int TimeoutMs);

/// <summary>From a Job actor to its queue: the job ended (completed, failed, or dropped after too many retries).</summary>
internal sealed record JobEnded(string Handle, IActorRef Worker, long AckSeq);

/// <summary>
/// From a Job actor to its queue: the worker is gone, timed out or gave the job back, or the queue asked for the job
/// back (<see cref="GiveBackJob"/>). It carries the listeners as the Job actor last knew them, which the queue keeps
/// from then on.
/// </summary>
internal sealed record JobReturned(string Handle, IActorRef[] Listeners);

/// <summary>From a queue that hands its shard off to a running job of its own: stop, and return the job with its listeners.</summary>
internal sealed class GiveBackJob
{
    public static readonly GiveBackJob Instance = new();
    private GiveBackJob() { }
}
