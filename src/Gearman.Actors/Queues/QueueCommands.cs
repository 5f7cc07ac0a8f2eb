using System.Buffers;
using Akka.Actor;

namespace Gearman.Actors.Queues;

/// <summary>A message for the FunctionQueue entity of <see cref="Function"/>; the shard region routes on it.</summary>
public interface IQueueCommand
{
    string Function { get; }
}

/// <summary>
/// A submit from a client connection. <paramref name="Seq"/> is the connection's reply slot, echoed back so that
/// replies from different queues go out in request order. <paramref name="WithheldBytes"/> is not 0 only when the
/// submit crossed to another node without its payload, which was too large to cross (see <see cref="CrossNode"/>):
/// the queue refuses it.
/// </summary>
public sealed record Submit(
    string Function,
    string Unique,
    ReadOnlySequence<byte> Data,
    Priority Priority,
    bool Background,
    long WhenEpoch,
    string Reducer,
    IActorRef Client,
    long Seq,
    long WithheldBytes = 0) : IQueueCommand;

/// <summary>
/// CAN_DO / CAN_DO_TIMEOUT. A worker registered twice counts once. With <paramref name="Announce"/> the queue
/// tells the worker <see cref="WorkAvailable"/> whenever it has a runnable job the worker has not heard of: a
/// worker with several functions grabs only from queues that said so.
/// </summary>
public sealed record RegisterWorker(string Function, IActorRef Worker, int TimeoutMs, bool Announce = false) : IQueueCommand;

/// <summary>CANT_DO, RESET_ABILITIES.</summary>
public sealed record UnregisterWorker(string Function, IActorRef Worker) : IQueueCommand;

/// <summary>
/// PRE_SLEEP: the queue wakes the worker at once if it holds a runnable job, else when one arrives.
/// <paramref name="AfterSeq"/> is the number of the worker's last grab before it slept: a grab with that number or a
/// lower one that reaches the queue later is older than the sleep and does not make the worker awake.
/// </summary>
public sealed record WorkerSleeping(string Function, IActorRef Worker, long AfterSeq = 0) : IQueueCommand;

public enum GrabKind : byte
{
    Plain,
    Unique,
    All,
}

/// <summary>
/// GRAB_JOB*. The queue answers <see cref="JobAssigned"/> or <see cref="NoJob"/>.
/// <paramref name="Worst"/> is the lowest priority the worker accepts from this queue (global priority).
/// </summary>
public sealed record Grab(string Function, IActorRef Worker, GrabKind Kind, Priority Worst, long Seq) : IQueueCommand;

public sealed record GetJobStatus(string Function, string Handle, IActorRef ReplyTo, long Seq) : IQueueCommand;

public sealed record GetUniqueStatus(string Function, string Unique, IActorRef ReplyTo, long Seq) : IQueueCommand;

/// <summary>A client connection that waited on a job has gone.</summary>
public sealed record ListenerGone(string Function, string Handle, IActorRef Client) : IQueueCommand;

/// <summary>
/// A job carried from a queue that is handing its shard off (node leaving, or rebalancing) to the queue's next
/// home, with its handle, listeners and retries kept.
/// </summary>
public sealed record RestoreJob(
    string Function,
    string Handle,
    string Unique,
    string? UniqueKey,
    ReadOnlySequence<byte> Data,
    Priority Priority,
    bool Background,
    long WhenEpoch,
    string Reducer,
    IReadOnlyList<IActorRef> Listeners,
    int Retries) : IQueueCommand;

/// <summary>
/// Jobs of a queue that hands its shard off, several per message: the shard region buffers every message for a shard
/// whose home is being decided, and drops what passes its buffer (akka.cluster.sharding.buffer-size, 100,000
/// messages, for all shards of the node), so a long queue sent one job per message lost its tail.
/// </summary>
public sealed record RestoreJobs(string Function, IReadOnlyList<RestoreJob> Jobs) : IQueueCommand;

/// <summary>A function's own settings, carried to its next home with the jobs.</summary>
public sealed record RestoreQueue(string Function, int MaxHigh, int MaxNormal, int MaxLow) : IQueueCommand;
