using System.Buffers;
using System.Runtime.InteropServices;
using Akka.IO;

namespace Gearman.Actors.Net;

/// <summary>
/// Bytes waiting to be written to one socket. Small packets are encoded back to back into one array, so a burst
/// of replies leaves as a single write; large payloads are appended by reference, never copied.
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
        return command;
    }

    private void SealBuffer()
    {
        if (_fill == 0) return;
        // The array now belongs to the ByteString; the next packet starts a new one.
        _parts.Add(ByteString.FromBytes(_buffer, 0, _fill));
        _partsBytes += _fill;
        _buffer = Array.Empty<byte>();
        _fill = 0;
    }

    private void Ensure(int sizeHint)
    {
        var need = Math.Max(sizeHint, 1);
        if (_buffer.Length - _fill >= need) return;
        if (_fill == 0)
        {
            _buffer = new byte[Math.Max(need, MinChunk)];
            return;
        }
        var grown = new byte[Math.Max(_buffer.Length * 2, _fill + Math.Max(need, MinChunk))];
        _buffer.AsSpan(0, _fill).CopyTo(grown);
        _buffer = grown;
    }
}
