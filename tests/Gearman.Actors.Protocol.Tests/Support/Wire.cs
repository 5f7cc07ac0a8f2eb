using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Gearman.Actors.Protocol;

namespace Gearman.Actors.Protocol.Tests.Support;

/// <summary>Builds raw wire bytes by hand, independently of <see cref="PacketWriter"/>.</summary>
internal static class Wire
{
    public static readonly byte[] Req = { 0, (byte)'R', (byte)'E', (byte)'Q' };
    public static readonly byte[] Res = { 0, (byte)'R', (byte)'E', (byte)'S' };

    public static byte[] Header(byte[] magic, uint type, uint size)
    {
        var h = new byte[12];
        magic.CopyTo(h, 0);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(4), type);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(8), size);
        return h;
    }

    public static byte[] Packet(byte[] magic, uint type, byte[] body) => Concat(Header(magic, type, (uint)body.Length), body);

    public static byte[] Packet(Magic magic, uint type, byte[] body) => Packet(magic == Magic.Request ? Req : Res, type, body);

    public static byte[] Packet(byte[] magic, PacketType type, string latin1Body) => Packet(magic, (uint)type, Bytes(latin1Body));

    public static byte[] Bytes(string latin1) => Encoding.Latin1.GetBytes(latin1);

    public static byte[] Concat(params byte[][] parts)
    {
        var total = 0;
        foreach (var p in parts) total += p.Length;
        var result = new byte[total];
        var at = 0;
        foreach (var p in parts)
        {
            p.CopyTo(result, at);
            at += p.Length;
        }
        return result;
    }

    /// <summary>A sequence made of the given arrays as linked segments (empty arrays make empty segments).</summary>
    public static ReadOnlySequence<byte> Segmented(params byte[][] parts)
    {
        if (parts.Length == 0) return ReadOnlySequence<byte>.Empty;
        var first = new Segment(parts[0], 0);
        var last = first;
        for (var i = 1; i < parts.Length; i++) last = last.Append(parts[i]);
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>Cuts <paramref name="data"/> at the given offsets (sorted, may repeat, may be 0 or Length).</summary>
    public static byte[][] Cut(byte[] data, IEnumerable<int> offsets)
    {
        var pieces = new List<byte[]>();
        var from = 0;
        foreach (var o in offsets.OrderBy(o => o))
        {
            pieces.Add(data[from..o]);
            from = o;
        }
        pieces.Add(data[from..]);
        return pieces.ToArray();
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] data, long runningIndex)
        {
            Memory = data;
            RunningIndex = runningIndex;
        }

        public Segment Append(byte[] data)
        {
            var next = new Segment(data, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}

/// <summary>A decoded frame copied out of the decoder, with value equality (body compared byte by byte).</summary>
internal sealed record Decoded(FrameKind Kind, Magic Magic, uint RawType, byte[] Body, string? Line, FatalReason Fatal)
{
    public static Decoded From(in Frame f) => new(f.Kind, f.Magic, f.RawType, f.Body.ToArray(), f.Line, f.Fatal);

    public static Decoded Packet(Magic magic, uint type, byte[] body) => new(FrameKind.Packet, magic, type, body, null, FatalReason.None);
    public static Decoded Packet(Magic magic, PacketType type, string latin1Body) => Packet(magic, (uint)type, Wire.Bytes(latin1Body));
    public static Decoded Unknown(Magic magic, uint type) => new(FrameKind.UnknownCommand, magic, type, Array.Empty<byte>(), null, FatalReason.None);
    public static Decoded Text(string line) => new(FrameKind.TextLine, Magic.Request, 0, Array.Empty<byte>(), line, FatalReason.None);
    public static Decoded Failed(FatalReason reason) => new(FrameKind.Fatal, Magic.Request, 0, Array.Empty<byte>(), null, reason);

    public bool Equals(Decoded? other) =>
        other is not null && Kind == other.Kind && Magic == other.Magic && RawType == other.RawType
        && Body.AsSpan().SequenceEqual(other.Body) && Line == other.Line && Fatal == other.Fatal;

    public override int GetHashCode() => HashCode.Combine(Kind, Magic, RawType, Body.Length, Line, Fatal);

    public override string ToString()
    {
        var body = Body.Length <= 32 ? Convert.ToHexString(Body) : $"{Body.Length} bytes, sha {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Body))[..12]}";
        return Kind switch
        {
            FrameKind.Packet => $"Packet({Magic}, {RawType}, [{body}])",
            FrameKind.UnknownCommand => $"Unknown({Magic}, {RawType})",
            FrameKind.TextLine => $"Text(\"{Line}\")",
            _ => $"Fatal({Fatal})",
        };
    }
}

internal static class Decode
{
    /// <summary>Feeds the pieces in order to one decoder and collects every frame.</summary>
    public static List<Decoded> Pieces(FrameDecoder decoder, IEnumerable<byte[]> pieces)
    {
        var frames = new List<Decoded>();
        foreach (var piece in pieces) Feed(decoder, piece, frames);
        return frames;
    }

    public static List<Decoded> Pieces(IEnumerable<byte[]> pieces, long maxBody = PacketHeader.MaxBodySize, int maxLine = 64 * 1024) =>
        Pieces(new FrameDecoder(maxBody, maxLine), pieces);

    public static List<Decoded> Whole(byte[] stream, long maxBody = PacketHeader.MaxBodySize, int maxLine = 64 * 1024) =>
        Pieces(new[] { stream }, maxBody, maxLine);

    /// <summary>
    /// Feeds one piece. Checks the decoder's contract on the way: a call that returns false has consumed the
    /// whole input, and a call that returns true has consumed something.
    /// </summary>
    public static void Feed(FrameDecoder decoder, ReadOnlySpan<byte> piece, List<Decoded> frames)
    {
        var input = piece;
        while (true)
        {
            var before = input.Length;
            if (!decoder.TryDecode(ref input, out var frame))
            {
                Assert.True(input.IsEmpty, $"TryDecode returned false with {input.Length} bytes left unconsumed");
                return;
            }
            Assert.True(input.Length <= before);
            frames.Add(Decoded.From(frame));
        }
    }
}
