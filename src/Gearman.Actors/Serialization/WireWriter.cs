using System.Buffers;
using System.Buffers.Binary;
using Akka.Actor;
using Gearman.Actors.Protocol;

namespace Gearman.Actors.Serialization;

/// <summary>A growable little-endian byte writer for the broker's messages. Strings are Latin-1 (byte strings).</summary>
internal sealed class WireWriter
{
    private byte[] _buffer;
    private int _length;

    public WireWriter(int capacity = 128) => _buffer = new byte[capacity];

    /// <summary>The bytes written; the buffer itself when they fill it exactly, so presized writers copy nothing.</summary>
    public byte[] ToArray() => _length == _buffer.Length ? _buffer : _buffer.AsSpan(0, _length).ToArray();

    /// <summary>The bytes <see cref="String"/> writes for <paramref name="value"/>.</summary>
    public static int StringSize(string value) => 4 + value.Length;

    /// <summary>The bytes <see cref="NullableString"/> writes for <paramref name="value"/>.</summary>
    public static int NullableStringSize(string? value) => 1 + (value is null ? 0 : StringSize(value));

    public void Byte(byte value) => Span(1)[0] = value;

    public void Bool(bool value) => Byte(value ? (byte)1 : (byte)0);

    public void Int(int value) => BinaryPrimitives.WriteInt32LittleEndian(Span(4), value);

    public void Long(long value) => BinaryPrimitives.WriteInt64LittleEndian(Span(8), value);

    public void String(string value)
    {
        Int(value.Length);
        Latin1.Write(value, Span(value.Length));
    }

    public void NullableString(string? value)
    {
        Bool(value is not null);
        if (value is not null) String(value);
    }

    public void Bytes(in ReadOnlySequence<byte> value)
    {
        if (value.Length > int.MaxValue - 64)
            throw new ArgumentOutOfRangeException(nameof(value), "a payload crossing nodes must be below 2 GiB");
        Int((int)value.Length);
        value.CopyTo(Span((int)value.Length));
    }

    public void Ref(IActorRef actor) => String(Akka.Serialization.Serialization.SerializedActorPath(actor));

    private Span<byte> Span(int count)
    {
        if (_length + count > _buffer.Length)
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }
}

/// <summary>Reads what <see cref="WireWriter"/> wrote.</summary>
internal ref struct WireReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly byte[] _array;
    private readonly ExtendedActorSystem _system;
    private int _at;

    public WireReader(byte[] data, ExtendedActorSystem system)
    {
        _array = data;
        _data = data;
        _system = system;
        _at = 0;
    }

    public byte Byte() => _data[_at++];

    public bool Bool() => Byte() != 0;

    public int Int()
    {
        var v = BinaryPrimitives.ReadInt32LittleEndian(_data[_at..]);
        _at += 4;
        return v;
    }

    public long Long()
    {
        var v = BinaryPrimitives.ReadInt64LittleEndian(_data[_at..]);
        _at += 8;
        return v;
    }

    public string String()
    {
        var n = Int();
        var s = Latin1.GetString(_data.Slice(_at, n));
        _at += n;
        return s;
    }

    public string? NullableString() => Bool() ? String() : null;

    /// <summary>A payload as a slice of the message's own array: no second copy.</summary>
    public ReadOnlySequence<byte> Bytes()
    {
        var n = Int();
        var seq = new ReadOnlySequence<byte>(_array, _at, n);
        _at += n;
        return seq;
    }

    public IActorRef Ref() => _system.Provider.ResolveActorRef(String());
}
