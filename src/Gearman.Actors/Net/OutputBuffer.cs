using System.Buffers;
using System.Runtime.InteropServices;
using Akka.IO;

namespace Gearman.Actors.Net;

/// <summary>
/// Bytes waiting to be written to one socket. Small packets are encoded back to back into one array, so a burst
/// of replies leaves as a single write; large payloads are appended by reference, never copied.
/// An array goes back to this buffer's own small free list once the socket acknowledges the write that carried
/// it, so a busy connection allocates nothing per write. The list is private, not the shared ArrayPool: with the
/// shared pool, clients under load were sent stale packets (one job handle twice), while a private list of the
/// same arrays, reused at once by the same connection, never was. The cause in the shared pool was not found.
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
        _inFlight.AddRange(_sealed);
        _sealed.Clear();
        return command;
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
