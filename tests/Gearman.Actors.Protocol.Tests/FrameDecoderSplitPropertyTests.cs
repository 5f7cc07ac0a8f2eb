using CsCheck;
using Gearman.Actors.Protocol;
using Gearman.Actors.Protocol.Tests.Support;

namespace Gearman.Actors.Protocol.Tests;

/// <summary>
/// The decoder must give the same frames however the stream is cut into reads: split in two at every offset,
/// cut into many random pieces, or fed one byte at a time. Expected frames come from the generator's own model,
/// so the whole-stream decode is checked too, not only taken as the reference.
/// </summary>
public class FrameDecoderSplitPropertyTests
{
    private const long MaxBody = 1000;
    private const int MaxLine = 100;

    /// <summary>A generated stream and the frames it must decode to.</summary>
    internal sealed record StreamCase(byte[] Bytes, List<Decoded> Expected)
    {
        public override string ToString() =>
            $"{Bytes.Length} bytes [{Convert.ToHexString(Bytes.AsSpan(0, Math.Min(Bytes.Length, 200)))}] -> {string.Join(", ", Expected)}";
    }

    internal sealed record CutCase(StreamCase Case, int[] Cuts)
    {
        public override string ToString() => $"{Case} cut at [{string.Join(",", Cuts.OrderBy(x => x))}]";
    }

    private static readonly Gen<byte[]> BodyGen = Gen.Frequency(
        (1, Gen.Const(Array.Empty<byte>())),
        (3, Gen.Byte.Array[0, 40]),
        (2, Gen.Frequency((1, Gen.Const((byte)0)), (1, Gen.Byte)).Array[1, 40]));

    private static readonly Gen<Magic> MagicGen = Gen.Bool.Select(b => b ? Magic.Request : Magic.Response);

    private static readonly Gen<(byte[], Decoded)> PacketGen =
        Gen.Select(MagicGen, Gen.UInt[1, 42], BodyGen,
            (magic, type, body) => (Wire.Packet(magic, type, body), Decoded.Packet(magic, type, body)));

    private static readonly Gen<uint> UnknownTypeGen = Gen.OneOf(
        Gen.Const(0u), Gen.Const(43u), Gen.Const(999u), Gen.Const(0x7fffffffu), Gen.Const(uint.MaxValue), Gen.UInt[43, uint.MaxValue]);

    private static readonly Gen<(byte[], Decoded)> UnknownGen =
        Gen.Select(MagicGen, UnknownTypeGen, BodyGen,
            (magic, type, body) => (Wire.Packet(magic, type, body), Decoded.Unknown(magic, type)));

    private static readonly Gen<(byte[], Decoded)> TextGen =
        Gen.Select(
            Gen.Frequency((4, Gen.Byte[32, 126]), (1, Gen.Byte.Where(b => b != (byte)'\n'))).Array[0, 30],
            Gen.Bool,
            (content, crlf) =>
            {
                if (content.Length > 0 && content[0] == 0) content[0] = (byte)'x';
                var raw = crlf ? Wire.Concat(content, "\r"u8.ToArray()) : content;
                var expected = raw.Length > 0 && raw[^1] == (byte)'\r' ? raw[..^1] : raw;
                return (Wire.Concat(raw, "\n"u8.ToArray()), Decoded.Text(Latin1.GetString(expected)));
            });

    private static readonly Gen<(byte[], Decoded)?> FatalTailGen = Gen.Frequency<(byte[], Decoded)?>(
        (6, Gen.Const(((byte[], Decoded)?)null)),
        (1, Gen.Select(Gen.UInt[1, 42], Gen.Byte.Array[0, 20], (type, junk) => ((byte[], Decoded)?)(
            Wire.Concat(Wire.Header(Wire.Bytes("\0BAD"), type, 0), junk, Wire.Packet(Wire.Req, PacketType.CanDo, "f")),
            Decoded.Failed(FatalReason.BadMagic)))),
        (1, Gen.Select(Gen.UInt[1, 42], Gen.UInt[(uint)MaxBody + 1, uint.MaxValue], Gen.Byte.Array[0, 20], (type, size, junk) => ((byte[], Decoded)?)(
            Wire.Concat(Wire.Header(Wire.Req, type, size), junk),
            Decoded.Failed(FatalReason.PacketTooLarge)))),
        (1, Gen.Int[MaxLine + 1, MaxLine + 40].Select(n => ((byte[], Decoded)?)(
            Wire.Concat(Wire.Bytes(new string('a', n) + "\n"), Wire.Packet(Wire.Req, PacketType.CanDo, "f")),
            Decoded.Failed(FatalReason.LineTooLong)))));

    internal static readonly Gen<StreamCase> StreamGen =
        Gen.Select(
            Gen.Frequency((5, PacketGen), (2, TextGen), (1, UnknownGen)).Array[0, 8],
            FatalTailGen,
            (units, tail) =>
            {
                var all = tail is { } t ? units.Append(t).ToArray() : units;
                return new StreamCase(Wire.Concat(all.Select(u => u.Item1).ToArray()), all.Select(u => u.Item2).ToList());
            });

    private static List<Decoded> Feed(params byte[][] pieces) => Decode.Pieces(pieces, MaxBody, MaxLine);

    [Fact]
    public void Whole_stream_decodes_to_the_model()
    {
        StreamGen.Sample(c => Assert.Equal(c.Expected, Feed(c.Bytes)), iter: 500, print: c => c.ToString());
    }

    [Fact]
    public void Split_in_two_at_every_offset_decodes_the_same()
    {
        StreamGen.Sample(c =>
        {
            for (var k = 0; k <= c.Bytes.Length; k++)
                Assert.Equal(c.Expected, Feed(c.Bytes[..k], c.Bytes[k..]));
        }, iter: 200, print: c => c.ToString());
    }

    [Fact]
    public void Random_many_piece_splits_decode_the_same()
    {
        var gen = StreamGen.SelectMany(c => Gen.Int[0, c.Bytes.Length].Array[0, 30].Select(cuts => new CutCase(c, cuts)));
        gen.Sample(t => Assert.Equal(t.Case.Expected, Feed(Wire.Cut(t.Case.Bytes, t.Cuts))), iter: 500, print: t => t.ToString());
    }

    [Fact]
    public void Byte_by_byte_decodes_the_same()
    {
        StreamGen.Sample(c =>
            Assert.Equal(c.Expected, Feed(c.Bytes.Select(b => new[] { b }).ToArray())),
            iter: 200, print: c => c.ToString());
    }

    [Fact]
    public void Fixed_mixed_stream_split_at_every_offset_and_byte_by_byte()
    {
        var stream = Wire.Concat(
            Wire.Bytes("status\r\n"),
            Wire.Packet(Wire.Req, PacketType.SubmitJob, "f\0u\0\0data\0"),
            Wire.Header(Wire.Req, (uint)PacketType.PreSleep, 0),
            Wire.Packet(Wire.Req, 999u, Wire.Bytes("skip me\n")),
            Wire.Bytes("\n"),
            Wire.Packet(Wire.Res, PacketType.EchoRes, "\0"),
            Wire.Header(Wire.Req, 0u, 0),
            Wire.Bytes("show jobs\n"),
            Wire.Packet(Wire.Req, PacketType.WorkComplete, "H:1\0r"));
        var expected = new List<Decoded>
        {
            Decoded.Text("status"),
            Decoded.Packet(Magic.Request, PacketType.SubmitJob, "f\0u\0\0data\0"),
            Decoded.Packet(Magic.Request, PacketType.PreSleep, ""),
            Decoded.Unknown(Magic.Request, 999),
            Decoded.Text(""),
            Decoded.Packet(Magic.Response, PacketType.EchoRes, "\0"),
            Decoded.Unknown(Magic.Request, 0),
            Decoded.Text("show jobs"),
            Decoded.Packet(Magic.Request, PacketType.WorkComplete, "H:1\0r"),
        };

        Assert.Equal(expected, Feed(stream));
        for (var k = 0; k <= stream.Length; k++) Assert.Equal(expected, Feed(stream[..k], stream[k..]));
        for (var i = 0; i <= stream.Length; i++)
            for (var j = i; j <= stream.Length; j += 7)
                Assert.Equal(expected, Feed(stream[..i], stream[i..j], stream[j..]));
        Assert.Equal(expected, Feed(stream.Select(b => new[] { b }).ToArray()));
    }
}
