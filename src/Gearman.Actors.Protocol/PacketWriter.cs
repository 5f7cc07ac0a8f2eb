using System.Buffers;
using System.Buffers.Binary;

namespace Gearman.Actors.Protocol;

/// <summary>
/// Encodes packets into an <see cref="IBufferWriter{T}"/>. Text arguments are Latin-1 strings (one byte per char).
/// A packet that ends in a payload can be written as a prefix (header and leading arguments) so that the caller
/// can send the payload's own buffers after it without copying them.
/// </summary>
public static class PacketWriter
{
    private static ReadOnlySpan<byte> ResponseMagicBytes => "\0RES"u8;
    private static ReadOnlySpan<byte> RequestMagicBytes => "\0REQ"u8;

    /// <summary>Writes a packet whose arguments are all text; the last argument is not NUL-terminated.</summary>
    public static void Write(IBufferWriter<byte> writer, PacketType type, params ReadOnlySpan<string> args) =>
        Write(writer, Magic.Response, type, args);

    public static void Write(IBufferWriter<byte> writer, Magic magic, PacketType type, params ReadOnlySpan<string> args)
    {
        long size = 0;
        foreach (var a in args) size += a.Length;
        if (args.Length > 1) size += args.Length - 1;
        var span = BeginPacket(writer, magic, type, size, (int)size);
        var at = PacketHeader.Size;
        for (var i = 0; i < args.Length; i++)
        {
            at += Latin1.Write(args[i], span[at..]);
            if (i < args.Length - 1) span[at++] = 0;
        }
        writer.Advance(at);
    }

    /// <summary>
    /// Writes the header and NUL-terminated leading arguments of a packet whose last argument is a payload of
    /// <paramref name="payloadLength"/> bytes; the caller must write exactly that many bytes next.
    /// </summary>
    public static void WritePrefix(IBufferWriter<byte> writer, PacketType type, long payloadLength, params ReadOnlySpan<string> leading) =>
        WritePrefix(writer, Magic.Response, type, payloadLength, leading);

    public static void WritePrefix(IBufferWriter<byte> writer, Magic magic, PacketType type, long payloadLength, params ReadOnlySpan<string> leading)
    {
        var text = 0;
        foreach (var a in leading) text += a.Length + 1;
        var span = BeginPacket(writer, magic, type, text + payloadLength, text);
        var at = PacketHeader.Size;
        foreach (var a in leading)
        {
            at += Latin1.Write(a, span[at..]);
            span[at++] = 0;
        }
        writer.Advance(at);
    }

    /// <summary>Writes a whole packet: leading text arguments, then <paramref name="payload"/> as the last argument.</summary>
    public static void Write(IBufferWriter<byte> writer, PacketType type, in ReadOnlySequence<byte> payload, params ReadOnlySpan<string> leading)
    {
        WritePrefix(writer, Magic.Response, type, payload.Length, leading);
        foreach (var segment in payload) writer.Write(segment.Span);
    }

    /// <summary>The encoded size of a packet that ends in a payload.</summary>
    public static long SizeOf(long payloadLength, params ReadOnlySpan<string> leading)
    {
        var size = PacketHeader.Size + payloadLength;
        foreach (var a in leading) size += a.Length + 1;
        return size;
    }

    /// <summary>Writes the header and returns a span with room for it plus <paramref name="textBytes"/> of arguments.</summary>
    private static Span<byte> BeginPacket(IBufferWriter<byte> writer, Magic magic, PacketType type, long bodySize, int textBytes)
    {
        if (bodySize > PacketHeader.MaxBodySize) throw new ArgumentOutOfRangeException(nameof(bodySize), "packet body exceeds 4 GiB - 1");
        var span = writer.GetSpan(PacketHeader.Size + textBytes);
        (magic == Magic.Response ? ResponseMagicBytes : RequestMagicBytes).CopyTo(span);
        BinaryPrimitives.WriteUInt32BigEndian(span[4..], (uint)type);
        BinaryPrimitives.WriteUInt32BigEndian(span[8..], (uint)bodySize);
        return span;
    }
}
