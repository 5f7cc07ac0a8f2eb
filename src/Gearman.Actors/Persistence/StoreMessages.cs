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

/// <summary>
/// One journal write, put together by the queue while the write before it was in flight. The queue hands it over
/// and never touches it again; the store answers <see cref="Replies"/> once the write is durable.
/// </summary>
internal sealed record WriteJobs(JobsWritten Event, DurableReplies Replies, PendingJobsSnapshot? Snapshot);

/// <summary>The store's answer to a <see cref="WriteJobs"/>: that write is durable and its replies have gone out.</summary>
internal sealed class JobsDurable
{
    public static readonly JobsDurable Instance = new();

    private JobsDurable()
    {
    }
}

/// <summary>A durable write's replies for one connection on this node, in the order they were made.</summary>
internal sealed record ReplyBatch(IReadOnlyList<ISlotReply> Replies);

internal sealed record StoreRecovered(IReadOnlyList<StoredJob> Jobs);

/// <summary>
/// From a store about to stop: the database refused its oldest unconfirmed write for good (see <see cref="StoreErrors"/>),
/// so writing it again would fail again.
/// </summary>
internal sealed record WriteRefused(string Reason);
