using System.Buffers;
using Akka.Actor;

namespace Gearman.Actors.Queues;

/// <summary>
/// A job's state, kept as a compact record while it waits in its queue. When a worker takes it, the record moves to
/// that job's actor with the message that creates it, and comes back with <c>JobReturned</c> or <c>JobEnded</c>:
/// at any moment exactly one actor owns and mutates it.
/// </summary>
public sealed class QueuedJob
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
