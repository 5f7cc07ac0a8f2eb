using System.Buffers;
using System.Runtime.InteropServices;
using Akka.IO;

namespace Gearman.Actors.Net;

/// <summary>
/// Bytes waiting to be written to one socket. Small packets are encoded back to back into one array, so a burst
/// of replies leaves as a single write; large payloads are appended by reference, never copied.
/// <para>
/// The invariant: <b>an array is written to again only after the write ack for every <see cref="ByteString"/> that
/// wraps it.</b> <see cref="ByteString.FromBytes(byte[], int, int)"/> wraps without copying (Akka: the range "should
/// not be modified once attached"), and Akka.IO 1.5's TcpConnection sends from those arrays themselves
/// (<c>SocketAsyncEventArgs.BufferList</c> over <c>ByteString.Buffers</c>), in sends of at most
/// <c>akka.io.tcp.maximum-frame-size</c>, carrying a write that does not fit over to the next send. It tells a
/// write's ack only from the completion of the send that carried that write's last byte, and a send completes only
/// when all of its bytes are in the kernel, so after the ack nothing reads the array. What keeps the invariant here:
/// </para>
/// <list type="bullet">
/// <item>The connection has one write in flight (<see cref="Take"/> is not called again before
/// <see cref="WriteAcknowledged"/>), and only the last part of a compound write asks for the ack, which comes after
/// every earlier part is sent (parts go out in order). So at the ack every array in <see cref="_inFlight"/> is free,
/// and no other array is.</item>
/// <item>An array is wrapped only in <see cref="SealBuffer"/>, which also moves it out of <see cref="_buffer"/>;
/// <see cref="Ensure"/> recycles only the unsealed array it grows out of, which no ByteString wraps.</item>
/// <item>A write that fails (<c>CommandFailed</c>: the TcpConnection is closing, or its write queue is full) is never
/// acknowledged, so its arrays stay out of the free list for good, and the connection never sends it again.</item>
/// <item>Payloads appended by reference (<see cref="ZeroCopyThreshold"/> and up) are never written to by anyone:
/// the decoder's <c>BodyBuffer</c> allocates a fresh array (or chain) per body and lets go of it, and a payload
/// from another node is a slice of the array its deserialization got (Akka.Remote copies it out of the frame). They
/// never enter the free list.</item>
/// </list>
/// <para>
/// The free list is private to the connection and holds at most <see cref="MaxSpare"/> arrays. The invariant, not
/// the privacy, is what matters: <c>Net/OutputIntegrityTests</c> (every byte of every reply, many connections,
/// payloads around the threshold and over 1 MiB) passes with the shared <c>ArrayPool</c> returned to at the ack, and
/// fails at once with "job handle given twice", the symptom once seen with the shared pool, when arrays are recycled
/// at <see cref="Take"/> instead of at the ack.
/// </para>
/// </summary>
internal sealed class OutputBuffer : IBufferWriter<byte>
{
    /// <summary>Payloads at least this large are sent from their own buffers instead of being copied.</summary>
    public const int ZeroCopyThreshold = 32 * 1024;

    private const int MinChunk = 4096;
    private byte[] _buffer = Array.Empty<byte>();
    private int _fill;
    private readonly List<ByteString> _parts = new();
    private long _partsBytes;
    /// <summary>Pooled arrays sealed into <see cref="_parts"/> and not yet taken.</summary>
    private readonly List<byte[]> _sealed = new();
    /// <summary>Pooled arrays of the write the socket has not acknowledged yet.</summary>
    private readonly List<byte[]> _inFlight = new();
    /// <summary>Acknowledged arrays ready for the next packets; at most <see cref="MaxSpare"/>, none over <see cref="MaxPooled"/> bytes.</summary>
    private readonly Stack<byte[]> _spare = new();
    private const int MaxSpare = 2;
    private const int MaxPooled = 64 * 1024;

    /// <summary>Bytes buffered and not yet handed to the socket.</summary>
    public long Buffered => _partsBytes + _fill;

    public bool IsEmpty => _fill == 0 && _parts.Count == 0;

    /// <summary>The largest payload appended by reference since the last <see cref="Take"/> (0 if none).</summary>
    public long LargestPayload { get; private set; }

    public void Advance(int count) => _fill += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_fill);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_fill);
    }

    /// <summary>Appends a payload: copied when small, referenced when large.</summary>
    public void Append(in ReadOnlySequence<byte> payload)
    {
        if (payload.Length < ZeroCopyThreshold)
        {
            foreach (var segment in payload) this.Write(segment.Span);
            return;
        }
        SealBuffer();
        LargestPayload = Math.Max(LargestPayload, payload.Length);
        foreach (var segment in payload)
        {
            if (segment.IsEmpty) continue;
            var bytes = MemoryMarshal.TryGetArray(segment, out var array)
                ? ByteString.FromBytes(array.Array!, array.Offset, array.Count)
                : ByteString.CopyFrom(segment.ToArray());
            _parts.Add(bytes);
            _partsBytes += bytes.Count;
        }
    }

    /// <summary>Everything buffered as one write command, acknowledged with <paramref name="ack"/>.</summary>
    public Tcp.WriteCommand Take(Tcp.Event ack)
    {
        SealBuffer();
        Tcp.WriteCommand command;
        if (_parts.Count == 1)
        {
            command = Tcp.Write.Create(_parts[0], ack);
        }
        else
        {
            // A compound write keeps every part's own buffer; only the last one asks for the ack.
            var writes = new List<Tcp.WriteCommand>(_parts.Count);
            for (var i = 0; i < _parts.Count; i++)
                writes.Add(i == _parts.Count - 1 ? Tcp.Write.Create(_parts[i], ack) : Tcp.Write.Create(_parts[i]));
            command = Tcp.WriteCommand.Create(writes);
        }
        _parts.Clear();
        _partsBytes = 0;
        LargestPayload = 0;
        _inFlight.AddRange(_sealed);
        _sealed.Clear();
        return command;
    }

    /// <summary>
    /// Drops everything not yet taken, for a connection that is being closed. The arrays of the write in flight stay
    /// where they are: the socket may still be sending them.
    /// </summary>
    public void Discard()
    {
        _parts.Clear();
        _partsBytes = 0;
        LargestPayload = 0;
        _sealed.Clear();
        _buffer = Array.Empty<byte>();
        _fill = 0;
    }

    /// <summary>The socket acknowledged the last write taken: its arrays are free again.</summary>
    public void WriteAcknowledged()
    {
        foreach (var array in _inFlight) Recycle(array);
        _inFlight.Clear();
    }

    private void SealBuffer()
    {
        if (_fill == 0) return;
        // The ByteString wraps the array without a copy, so it stays out of the pool until the write is acknowledged.
        _parts.Add(ByteString.FromBytes(_buffer, 0, _fill));
        _sealed.Add(_buffer);
        _partsBytes += _fill;
        _buffer = Array.Empty<byte>();
        _fill = 0;
    }

    private void Ensure(int sizeHint)
    {
        var need = Math.Max(sizeHint, 1);
        if (_buffer.Length - _fill >= need) return;
        var size = _fill == 0 ? Math.Max(need, MinChunk) : Math.Max(_buffer.Length * 2, _fill + Math.Max(need, MinChunk));
        var grown = _spare.TryPeek(out var spare) && spare.Length >= size ? _spare.Pop() : new byte[size];
        if (_buffer.Length > 0)
        {
            _buffer.AsSpan(0, _fill).CopyTo(grown);
            Recycle(_buffer);
        }
        _buffer = grown;
    }

    private void Recycle(byte[] array)
    {
        if (_spare.Count < MaxSpare && array.Length <= MaxPooled) _spare.Push(array);
    }
}
