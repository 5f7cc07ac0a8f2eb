using System.Buffers;
using Gearman.Actors.Jobs;
using Gearman.Actors.Queues;

namespace Gearman.Actors.Links;

/// <summary>
/// A job payload that crosses nodes in pieces. A message whose payload is larger than <see cref="Threshold"/> goes as
/// a <see cref="PayloadHead"/> (the message without its payload) followed by <see cref="PayloadChunk"/>s of at most
/// <see cref="ChunkBytes"/>, one per batch of the <see cref="NodeLink"/>, with at most <see cref="Window"/> batches
/// awaiting the peer's acknowledgement: so a link has little of a payload on the wire at a time, the cluster's
/// heartbeats (which share the connection) never wait behind more than that, and the receiving node takes bytes no
/// faster than it handles them. The receiving link keeps the chunks as they came (no copy) and delivers the message,
/// whole, when the last arrives. What the message's sender sent after it, or anyone sent to its recipient, waits
/// behind its last chunk; other messages between the two nodes go meanwhile.
/// </summary>
internal static class PayloadStream
{
    /// <summary>A payload above this crosses in chunks; below it, inside its message in one batch.</summary>
    public const long Threshold = 1 << 20;

    /// <summary>
    /// The payload bytes in one chunk, and so in one batch: below .NET's large-object threshold (85,000 bytes) with the
    /// batch's other bytes, so that neither side's copies of it go to the large-object heap, whose allocations start
    /// full collections (1 MiB chunks crossed at about half the rate).
    /// </summary>
    public const int ChunkBytes = 60 << 10;

    /// <summary>Batches of chunks that may await their acknowledgements at once.</summary>
    public const int Window = 8;

    /// <summary>The payload of a message that carries one; empty for any other.</summary>
    public static ReadOnlySequence<byte> PayloadOf(object message) => message switch
    {
        Submit m => m.Data,
        JobAssigned m => m.Data,
        WorkEvent m => m.Data,
        _ => ReadOnlySequence<byte>.Empty,
    };

    /// <summary><paramref name="message"/> with <paramref name="payload"/> in place of its own.</summary>
    public static object WithPayload(object message, ReadOnlySequence<byte> payload) => message switch
    {
        Submit m => m with { Data = payload },
        JobAssigned m => m with { Data = payload },
        WorkEvent m => m with { Data = payload },
        _ => throw new ArgumentException($"{message.GetType()} carries no payload", nameof(message)),
    };
}

/// <summary>A message whose payload of <paramref name="Length"/> bytes follows in <see cref="PayloadChunk"/>s of stream <paramref name="Stream"/>.</summary>
internal sealed record PayloadHead(long Stream, long Length, object Message);

/// <summary>The next bytes of stream <paramref name="Stream"/>'s payload.</summary>
internal sealed record PayloadChunk(long Stream, ReadOnlySequence<byte> Bytes);

/// <summary>The sending side of one payload: what of it has gone so far.</summary>
internal sealed class OutgoingPayload(long stream, ReadOnlySequence<byte> payload)
{
    private long _sent;

    public long Stream { get; } = stream;

    public bool Done => _sent == payload.Length;

    /// <summary>The next chunk, of at most <see cref="PayloadStream.ChunkBytes"/>.</summary>
    public PayloadChunk Next()
    {
        var n = Math.Min(PayloadStream.ChunkBytes, payload.Length - _sent);
        var chunk = new PayloadChunk(Stream, payload.Slice(_sent, n));
        _sent += n;
        return chunk;
    }
}

/// <summary>The receiving side of one payload: its head, and the chunks so far, kept as they arrived.</summary>
internal sealed class IncomingPayload(PayloadHead head, LinkItem item)
{
    private Segment? _first;
    private Segment? _last;
    private long _received;

    public long Stream => head.Stream;

    /// <summary>Adds a chunk; the whole message once the payload is complete, else null.</summary>
    public LinkItem? Add(ReadOnlySequence<byte> bytes)
    {
        foreach (var memory in bytes)
        {
            if (memory.IsEmpty) continue;
            var segment = new Segment(memory, _received);
            if (_last is null) _first = segment;
            else _last.SetNext(segment);
            _last = segment;
            _received += memory.Length;
        }
        if (_received < head.Length) return null;
        var payload = _first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_first, 0, _last!, _last!.Memory.Length);
        return item with { Message = PayloadStream.WithPayload(head.Message, payload) };
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex) => (Memory, RunningIndex) = (memory, runningIndex);

        public void SetNext(Segment next) => Next = next;
    }
}
