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

    /// <summary>The bytes written so far.</summary>
    public int Length => _length;

    /// <summary>The bytes written; the buffer itself when they fill it exactly, so presized writers copy nothing.</summary>
    public byte[] ToArray() => _length == _buffer.Length ? _buffer : _buffer.AsSpan(0, _length).ToArray();

    /// <summary>The bytes written, in the buffer itself: for a writer whose bytes go straight out.</summary>
    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, _length);

    /// <summary>Writes <paramref name="value"/> over the four bytes at <paramref name="offset"/>, already written.</summary>
    public void IntAt(int offset, int value) => BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(offset, 4), value);

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

    /// <summary>A sender that may be none (no sender, or dead letters): an empty string then.</summary>
    public void OptionalRef(IActorRef? actor)
    {
        if (actor is null || actor.IsNobody() || actor is Akka.Actor.DeadLetterActorRef) Int(0);
        else Ref(actor);
    }

    /// <summary>Reserves a 4-byte length to fill in with <see cref="EndLength"/> once what it measures is written.</summary>
    public int BeginLength()
    {
        Int(0);
        return _length;
    }

    public void EndLength(int start) => BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(start - 4, 4), _length - start);

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
    private readonly int _offset;
    private readonly ExtendedActorSystem _system;
    private int _at;

    public WireReader(byte[] data, ExtendedActorSystem system) : this(data, 0, data.Length, system) { }

    /// <summary>Reads the <paramref name="length"/> bytes at <paramref name="offset"/>: a message inside a batch.</summary>
    public WireReader(byte[] data, int offset, int length, ExtendedActorSystem system)
    {
        _array = data;
        _offset = offset;
        _data = data.AsSpan(offset, length);
        _system = system;
        _at = 0;
    }

    /// <summary>Where the next read starts, from the start of the array: for <see cref="Skip"/> past a nested message.</summary>
    public int Position => _offset + _at;

    public void Skip(int count) => _at += count;

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
        var seq = new ReadOnlySequence<byte>(_array, _offset + _at, n);
        _at += n;
        return seq;
    }

    public IActorRef Ref() => _system.Provider.ResolveActorRef(String());

    /// <summary>What <see cref="WireWriter.OptionalRef"/> wrote: <see cref="ActorRefs.NoSender"/> for none.</summary>
    public IActorRef? OptionalRef()
    {
        var n = BinaryPrimitives.ReadInt32LittleEndian(_data[_at..]);
        if (n != 0) return Ref();
        _at += 4;
        return ActorRefs.NoSender;
    }
}
