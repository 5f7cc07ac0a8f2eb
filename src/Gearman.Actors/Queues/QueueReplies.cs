using System.Buffers;
using Akka.Actor;

namespace Gearman.Actors.Queues;

/// <summary>A reply that fills a connection's reply slot.</summary>
public interface ISlotReply
{
    long Seq { get; }
}

public sealed record JobAccepted(long Seq, string Handle) : ISlotReply;

public sealed record SubmitRejected(long Seq, string Code, string Text) : ISlotReply;

/// <summary>
/// A job handed to a worker. WORK_* packets for it go straight to <paramref name="Job"/>.
/// </summary>
public sealed record JobAssigned(
    long Seq,
    GrabKind Kind,
    string Handle,
    string Function,
    string Unique,
    string Reducer,
    ReadOnlySequence<byte> Data,
    IActorRef Job,
    bool Durable = false) : ISlotReply;

/// <summary>
/// Fills a worker's reply slot without output: the job's end is durable. A worker's next reply waits behind it,
/// so a job the worker saw finished can never be handed out again after a crash.
/// </summary>
public sealed record Acknowledged(long Seq) : ISlotReply;

public sealed record NoJob(long Seq, string Function) : ISlotReply;

public sealed record JobStatus(long Seq, string Handle, bool Known, bool Running, string Numerator, string Denominator) : ISlotReply
{
    public static JobStatus Unknown(long seq, string handle) => new(seq, handle, false, false, "0", "0");
}

public sealed record UniqueStatus(long Seq, string Unique, bool Known, bool Running, string Numerator, string Denominator, int Clients)
    : ISlotReply
{
    public static UniqueStatus Unknown(long seq, string unique) => new(seq, unique, false, false, "0", "0", 0);
}

/// <summary>Sent to a sleeping worker: there may be work. The connection turns it into at most one NOOP per sleep.</summary>
public sealed class Wake
{
    public static readonly Wake Instance = new();
    private Wake() { }
}

/// <summary>
/// Sent to a worker registered with <see cref="RegisterWorker.Announce"/>: this function has a runnable job. Sent
/// again only after the queue has answered that worker NO_JOB, so each queue sends it at most once per job that
/// a worker has not seen, and the worker's set of functions with work is never missing one that has work.
/// </summary>
public sealed record WorkAvailable(string Function);

/// <summary>
/// The queue's answer to RegisterWorker. The worker's connection watches <paramref name="Queue"/>: if the queue
/// stops (its node died, or its shard moved) the worker registers again and the region finds the new home.
/// </summary>
public sealed record WorkerRegistered(string Function, IActorRef Queue);

/// <summary>Tells a waiting client that its job now lives in the queue that sent this (after a shard hand-off).</summary>
public sealed record JobMoved(string Handle);

/// <summary>The stop message sharding sends an entity whose shard is handed off to another node.</summary>
public sealed class HandOff
{
    public static readonly HandOff Instance = new();
    private HandOff() { }
}
