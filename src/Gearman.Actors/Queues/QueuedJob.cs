using System.Buffers;
using Akka.Actor;

namespace Gearman.Actors.Queues;

/// <summary>
/// A job as its queue keeps it: a compact record while it waits, and the queue's note of it while a worker runs it.
/// Only the queue reads or writes it. A running job's listeners and status live in its Job actor, which got a copy
/// with <c>RunJob</c> and gives them back with <c>JobReturned</c> if the job returns to its lane; meanwhile
/// <see cref="Listeners"/> is empty and <see cref="Numerator"/>/<see cref="Denominator"/> are not read.
/// </summary>
internal sealed class QueuedJob
{
    public QueuedJob(string handle, string function, string unique, string? uniqueKey, ReadOnlySequence<byte> data,
        Priority priority, bool background, long whenEpoch, string reducer)
    {
        Handle = handle;
        Function = function;
        Unique = unique;
        UniqueKey = uniqueKey;
        Data = data;
        Priority = priority;
        Background = background;
        WhenEpoch = whenEpoch;
        Reducer = reducer;
    }

    public string Handle { get; }
    public string Function { get; }
    public string Unique { get; }
    /// <summary>The coalescing key: the unique, or the data for unique "-"; null when the job never coalesces.</summary>
    public string? UniqueKey { get; }
    public ReadOnlySequence<byte> Data { get; }
    public Priority Priority { get; }
    public bool Background { get; }
    public long WhenEpoch { get; }
    public string Reducer { get; }

    /// <summary>Client connections waiting for the result.</summary>
    public List<IActorRef> Listeners { get; } = new(1);
    public int Retries { get; set; }
    public string Numerator { get; set; } = "0";
    public string Denominator { get; set; } = "0";

    /// <summary>Set when the job left its lane early (cancelled, dropped, abandoned); the lane skips it.</summary>
    public bool Removed { get; set; }

    /// <summary>Its place in its queue's line of arrivals; a snapshot of a durable queue lists jobs in this order.</summary>
    internal long Order { get; set; }

    /// <summary>The Job actor while a worker holds the job.</summary>
    public IActorRef? Runner { get; set; }
}
