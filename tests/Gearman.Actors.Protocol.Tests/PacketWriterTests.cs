using System.Buffers;
using CsCheck;
using Gearman.Actors.Protocol;
using Gearman.Actors.Protocol.Tests.Support;

namespace Gearman.Actors.Protocol.Tests;

public class PacketWriterTests
{
    private static byte[] Written(Action<ArrayBufferWriter<byte>> write)
    {
        var w = new ArrayBufferWriter<byte>();
        write(w);
        return w.WrittenSpan.ToArray();
    }

    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

    [Fact]
    public void Write_text_args_produces_exact_response_bytes()
    {
        var bytes = Written(w => PacketWriter.Write(w, PacketType.JobAssign, "H:vm:1", "reverse", "hello"));

        Assert.Equal(Wire.Concat(Hex("00 52 45 53  00 00 00 0B  00 00 00 14"), Wire.Bytes("H:vm:1\0reverse\0hello")), bytes);
    }

    [Fact]
    public void Write_single_arg_has_no_NUL()
    {
        var bytes = Written(w => PacketWriter.Write(w, PacketType.JobCreated, "H:vm:1"));

        Assert.Equal(Wire.Concat(Hex("00524553 00000008 00000006"), Wire.Bytes("H:vm:1")), bytes);
    }

    [Fact]
    public void Write_no_args_is_a_bare_header()
    {
        Assert.Equal(Hex("00524553 00000006 00000000"), Written(w => PacketWriter.Write(w, PacketType.Noop)));
        Assert.Equal(Hex("00524553 0000000A 00000000"), Written(w => PacketWriter.Write(w, PacketType.NoJob)));
    }

    [Fact]
    public void Write_empty_args_are_just_separators()
    {
        Assert.Equal(Hex("00524553 00000013 00000002 0000"), Written(w => PacketWriter.Write(w, PacketType.Error, "", "", "")));
        Assert.Equal(Hex("00524553 00000013 00000000"), Written(w => PacketWriter.Write(w, PacketType.Error, "")));
    }

    [Fact]
    public void Write_with_request_magic()
    {
        var bytes = Written(w => PacketWriter.Write(w, Magic.Request, PacketType.SubmitJob, "f", "u", "data"));

        Assert.Equal(Wire.Concat(Hex("00524551 00000007 00000008"), Wire.Bytes("f\0u\0data")), bytes);
    }

    [Fact]
    public void Header_fields_are_big_endian_for_multi_byte_values()
    {
        var arg = new string('x', 0x1234);
        var bytes = Written(w => PacketWriter.Write(w, PacketType.StatusResUnique, arg));

        Assert.Equal(Hex("00524553 0000002A 00001234"), bytes[..12]);
        Assert.Equal(12 + 0x1234, bytes.Length);
    }

    [Fact]
    public void Write_error_packet_as_gearmand_does()
    {
        var bytes = Written(w => PacketWriter.Write(w, PacketType.Error, ErrorCode.InvalidMagic, "Request magic expected"));

        Assert.Equal(Wire.Concat(Hex("00524553 00000013 00000024"), Wire.Bytes("INVALID_MAGIC\0Request magic expected")), bytes);
    }

    [Fact]
    public void Write_Latin1_chars_become_single_bytes()
    {
        var bytes = Written(w => PacketWriter.Write(w, PacketType.EchoRes, "\u00e9\u00ff\u0000\u0080"));

        Assert.Equal(Hex("00524553 00000011 00000004 E9FF0080"), bytes);
    }

    [Fact]
    public void WritePrefix_writes_header_for_whole_packet_and_NUL_terminated_leading_args()
    {
        var bytes = Written(w => PacketWriter.WritePrefix(w, PacketType.WorkComplete, 5, "H:vm:7"));

        // Declared size covers "H:vm:7\0" (7) plus the 5-byte payload the caller sends next.
        Assert.Equal(Wire.Concat(Hex("00524553 0000000D 0000000C"), Wire.Bytes("H:vm:7\0")), bytes);
    }

    [Fact]
    public void WritePrefix_with_several_leading_args_and_request_magic()
    {
        var bytes = Written(w => PacketWriter.WritePrefix(w, Magic.Request, PacketType.SubmitJobBg, 3, "fn", "u"));

        Assert.Equal(Wire.Concat(Hex("00524551 00000012 00000008"), Wire.Bytes("fn\0u\0")), bytes);
    }

    [Fact]
    public void WritePrefix_without_leading_args_is_a_header_sized_for_the_payload()
    {
        var bytes = Written(w => PacketWriter.WritePrefix(w, PacketType.EchoRes, 0x01020304));

        Assert.Equal(Hex("00524553 00000011 01020304"), bytes);
    }

    [Fact]
    public void WritePrefix_accepts_the_protocol_maximum_and_rejects_beyond_it()
    {
        var max = Written(w => PacketWriter.WritePrefix(w, PacketType.EchoRes, uint.MaxValue));
        Assert.Equal(Hex("00524553 00000011 FFFFFFFF"), max);

        var w = new ArrayBufferWriter<byte>();
        Assert.Throws<ArgumentOutOfRangeException>(() => PacketWriter.WritePrefix(w, PacketType.EchoRes, uint.MaxValue, "h"));
        Assert.Throws<ArgumentOutOfRangeException>(() => PacketWriter.WritePrefix(w, PacketType.EchoRes, (long)uint.MaxValue + 1));
        Assert.Equal(0, w.WrittenCount);
    }

    [Fact]
    public void Write_with_payload_sequence_copies_every_segment()
    {
        var payload = Wire.Segmented(Wire.Bytes("ab"), Array.Empty<byte>(), new byte[] { 0 }, Wire.Bytes("cd"));

        var bytes = Written(w => PacketWriter.Write(w, PacketType.WorkData, payload, "H:vm:3"));

        Assert.Equal(Wire.Concat(Hex("00524553 0000001C 0000000C"), Wire.Bytes("H:vm:3\0ab\0cd")), bytes);
    }

    [Fact]
    public void Write_with_payload_and_several_leading_args()
    {
        var payload = new ReadOnlySequence<byte>(Wire.Bytes("data"));

        var bytes = Written(w => PacketWriter.Write(w, PacketType.JobAssignUniq, payload, "H:vm:9", "fn", "uq"));

        Assert.Equal(Wire.Concat(Hex("00524553 0000001F 00000011"), Wire.Bytes("H:vm:9\0fn\0uq\0data")), bytes);
    }

    [Fact]
    public void Write_with_empty_payload_ends_with_the_last_leading_NUL()
    {
        var bytes = Written(w => PacketWriter.Write(w, PacketType.WorkComplete, ReadOnlySequence<byte>.Empty, "H:vm:1"));

        Assert.Equal(Wire.Concat(Hex("00524553 0000000D 00000007"), Wire.Bytes("H:vm:1\0")), bytes);
    }

    [Fact]
    public void Consecutive_writes_append()
    {
        var w = new ArrayBufferWriter<byte>(1);
        PacketWriter.Write(w, PacketType.Noop);
        PacketWriter.Write(w, PacketType.JobCreated, "H:1");
        PacketWriter.Write(w, PacketType.WorkFail, ReadOnlySequence<byte>.Empty);

        Assert.Equal(
            Wire.Concat(Hex("00524553 00000006 00000000"), Hex("00524553 00000008 00000003"), Wire.Bytes("H:1"), Hex("00524553 0000000E 00000000")),
            w.WrittenSpan.ToArray());
    }

    [Theory]
    [InlineData(0L, new string[0])]
    [InlineData(0L, new[] { "H:vm:1" })]
    [InlineData(5L, new[] { "H:vm:1" })]
    [InlineData(100L, new[] { "H:vm:1", "fn", "" })]
    [InlineData(3L, new[] { "", "", "", "" })]
    public void SizeOf_matches_the_bytes_written(long payloadLength, string[] leading)
    {
        var payload = new ReadOnlySequence<byte>(new byte[payloadLength]);
        var bytes = Written(w => PacketWriter.Write(w, PacketType.JobAssignAll, payload, leading));

        Assert.Equal(bytes.Length, PacketWriter.SizeOf(payloadLength, leading));
        Assert.Equal(12 + payloadLength + leading.Sum(a => a.Length + 1), PacketWriter.SizeOf(payloadLength, leading));
    }

    [Fact]
    public void SizeOf_for_large_payloads_does_not_overflow()
    {
        Assert.Equal(12L + 7 + 3_000_000_000L, PacketWriter.SizeOf(3_000_000_000L, "H:vm:1"));
    }

    [Fact]
    public void Text_packet_round_trips_through_decoder_and_args()
    {
        var w = new ArrayBufferWriter<byte>();
        PacketWriter.Write(w, Magic.Request, PacketType.SubmitJobEpoch, "fn", "uq", "1700000000", "pay\0load");
        PacketWriter.Write(w, PacketType.StatusRes, "H:vm:1", "1", "0", "3", "9");

        var frames = Decode.Whole(w.WrittenSpan.ToArray());

        Assert.Equal(2, frames.Count);
        Assert.Equal(Decoded.Packet(Magic.Request, PacketType.SubmitJobEpoch, "fn\0uq\01700000000\0pay\0load"), frames[0]);
        Assert.Equal(Decoded.Packet(Magic.Response, PacketType.StatusRes, "H:vm:1\01\00\03\09"), frames[1]);
        Assert.True(PacketArgs.TrySplit(new ReadOnlySequence<byte>(frames[0].Body), 4, out var args));
        Assert.Equal(new[] { "fn", "uq", "1700000000", "pay\0load" }, Enumerable.Range(0, 4).Select(args.Text));
    }

    [Fact]
    public void Property_text_packets_round_trip_for_any_Latin1_args()
    {
        var latin1 = Gen.Char[(char)0, (char)255].Array[0, 20].Select(c => new string(c));
        var gen = Gen.Select(Gen.UInt[1, 42], Gen.Bool, latin1.Array[1, 5]);

        gen.Sample((type, request, args) =>
        {
            var magic = request ? Magic.Request : Magic.Response;
            var w = new ArrayBufferWriter<byte>();
            PacketWriter.Write(w, magic, (PacketType)type, args);
            var bytes = w.WrittenSpan.ToArray();

            var frame = Assert.Single(Decode.Whole(bytes));
            Assert.Equal(FrameKind.Packet, frame.Kind);
            Assert.Equal(magic, frame.Magic);
            Assert.Equal(type, frame.RawType);
            Assert.Equal(bytes.Length - 12, frame.Body.Length);
            Assert.True(PacketArgs.TrySplit(new ReadOnlySequence<byte>(frame.Body), args.Length, out var split));
            // The last argument may itself hold NULs; the leading ones may not, or they would shift the split.
            if (args[..^1].All(a => !a.Contains('\0')))
                Assert.Equal(args, Enumerable.Range(0, args.Length).Select(split.Text).ToArray());
            Assert.Equal(string.Join('\0', args), Latin1.GetString(frame.Body));
        }, iter: 1000);
    }

    [Fact]
    public void Property_payload_packets_round_trip_and_match_SizeOf()
    {
        var arg = Gen.Char['!', '~'].Array[0, 12].Select(c => new string(c));
        var gen = Gen.Select(arg.Array[0, 4], Gen.Byte.Array[0, 50], Gen.Int[0, 50].Array[0, 4]);

        gen.Sample((leading, payload, cuts) =>
        {
            var seq = Wire.Segmented(Wire.Cut(payload, cuts.Select(c => Math.Min(c, payload.Length))));
            var w = new ArrayBufferWriter<byte>();
            PacketWriter.Write(w, PacketType.JobAssignUniq, seq, leading);
            var bytes = w.WrittenSpan.ToArray();

            Assert.Equal(PacketWriter.SizeOf(payload.Length, leading), bytes.Length);
            var frame = Assert.Single(Decode.Whole(bytes));
            Assert.Equal(Decoded.Packet(Magic.Response, (uint)PacketType.JobAssignUniq,
                Wire.Concat(leading.Select(a => Wire.Bytes(a + "\0")).Append(payload).ToArray())), frame);
            Assert.True(PacketArgs.TrySplit(new ReadOnlySequence<byte>(frame.Body), leading.Length + 1, out var split));
            for (var i = 0; i < leading.Length; i++) Assert.Equal(leading[i], split.Text(i));
            Assert.Equal(payload, split[leading.Length].ToArray());
        }, iter: 1000);
    }

    [Theory]
    [InlineData("\u20ac")]                 // one char outside Latin-1
    [InlineData("a\ud83d\ude00b")]         // a surrogate pair (one code point, two chars)
    [InlineData("\ud800")]                 // a lone surrogate
    public void Declared_size_matches_the_bytes_written_even_for_non_Latin1_text(string arg)
    {
        var w = new ArrayBufferWriter<byte>();
        PacketWriter.Write(w, PacketType.Error, "CODE", arg);
        var bytes = w.WrittenSpan.ToArray();

        var declared = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(8));
        Assert.Equal(bytes.Length - 12, (int)declared);
    }
}
