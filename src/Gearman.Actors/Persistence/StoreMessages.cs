using System.Buffers;
using Akka.Actor;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Persistence;

/// <summary>What is kept of a background job in the store: enough to queue it again after a restart.</summary>
public sealed record StoredJob(
    string Function,
    string Handle,
    string Unique,
    string? UniqueKey,
    ReadOnlySequence<byte> Data,
    Priority Priority,
    long WhenEpoch,
    string Reducer);

// Events and snapshot, written by the binary serializer.

public sealed record JobStored(StoredJob Job);

public sealed record JobsRemoved(IReadOnlyList<string> Handles);

/// <summary>One journal write: jobs submitted and jobs ended while the write before it was in flight.</summary>
public sealed record JobsWritten(IReadOnlyList<StoredJob> Stored, IReadOnlyList<string> Removed);

/// <summary>Every job still pending, oldest first.</summary>
public sealed record PendingJobsSnapshot(IReadOnlyList<StoredJob> Jobs);

// Between a queue and its store (always on the same node: the store is the queue's child).

internal sealed record StoreJob(StoredJob Job, IActorRef Client, long Seq);

/// <summary>Acknowledge a submit that joined an existing job, once every earlier write is durable.</summary>
internal sealed record AckWhenDurable(string Handle, IActorRef Client, long Seq);

internal sealed record ForgetJob(string Handle, IActorRef? AckTo, long AckSeq);

internal sealed record StoreRecovered(IReadOnlyList<StoredJob> Jobs);
