using System.Buffers;
using Gearman.Actors.Protocol;
using Gearman.Actors.Protocol.Tests.Support;

namespace Gearman.Actors.Protocol.Tests;

public class FrameDecoderTests
{
    [Fact]
    public void Request_packet_decodes_type_magic_and_body()
    {
        var stream = Wire.Packet(Wire.Req, PacketType.SubmitJob, "reverse\0u1\0hello");

        var frames = Decode.Whole(stream);

        var f = Assert.Single(frames);
        Assert.Equal(Decoded.Packet(Magic.Request, PacketType.SubmitJob, "reverse\0u1\0hello"), f);
    }

    [Fact]
    public void Response_packet_decodes_with_response_magic()
    {
        var stream = Wire.Packet(Wire.Res, PacketType.JobCreated, "H:vm:1");

        var f = Assert.Single(Decode.Whole(stream));

        Assert.Equal(FrameKind.Packet, f.Kind);
        Assert.Equal(Magic.Response, f.Magic);
        Assert.Equal((uint)PacketType.JobCreated, f.RawType);
        Assert.Equal("H:vm:1"u8.ToArray(), f.Body);
    }

    [Fact]
    public void Frame_exposes_the_typed_packet_type()
    {
        var decoder = new FrameDecoder();
        ReadOnlySpan<byte> input = Wire.Packet(Wire.Req, PacketType.EchoReq, "x");

        Assert.True(decoder.TryDecode(ref input, out var frame));

        Assert.Equal(PacketType.EchoReq, frame.Type);
        Assert.Equal(16u, frame.RawType);
        Assert.Null(frame.Line);
        Assert.Equal(FatalReason.None, frame.Fatal);
        Assert.Equal(0, input.Length);
    }

    [Theory]
    [InlineData(PacketType.ResetAbilities)]
    [InlineData(PacketType.PreSleep)]
    [InlineData(PacketType.GrabJob)]
    [InlineData(PacketType.Noop)]
    public void Empty_body_packet_completes_on_the_header_alone(PacketType type)
    {
        var decoder = new FrameDecoder();
        ReadOnlySpan<byte> input = Wire.Header(Wire.Req, (uint)type, 0);

        Assert.True(decoder.TryDecode(ref input, out var frame));

        Assert.Equal(FrameKind.Packet, frame.Kind);
        Assert.Equal(type, frame.Type);
        Assert.True(frame.Body.IsEmpty);
        Assert.False(decoder.HasPartialFrame);
    }

    [Fact]
    public void Consecutive_empty_body_packets_each_decode()
    {
        var stream = Wire.Concat(
            Wire.Header(Wire.Req, (uint)PacketType.PreSleep, 0),
            Wire.Header(Wire.Req, (uint)PacketType.GrabJob, 0),
            Wire.Header(Wire.Res, (uint)PacketType.NoJob, 0));

        Assert.Equal(new[]
        {
            Decoded.Packet(Magic.Request, PacketType.PreSleep, ""),
            Decoded.Packet(Magic.Request, PacketType.GrabJob, ""),
            Decoded.Packet(Magic.Response, PacketType.NoJob, ""),
        }, Decode.Whole(stream));
    }

    [Fact]
    public void Body_made_only_of_NULs_is_kept_byte_for_byte()
    {
        var body = new byte[] { 0, 0, 0, 0, 0 };
        var stream = Wire.Packet(Wire.Req, (uint)PacketType.SubmitJob, body);

        var f = Assert.Single(Decode.Whole(stream));

        Assert.Equal(body, f.Body);
    }

    [Fact]
    public void Body_with_NULs_and_high_bytes_is_kept_byte_for_byte()
    {
        var body = new byte[] { (byte)'f', 0, 0xFF, 0x80, 0, (byte)'\n', (byte)'\r', 0 };
        var stream = Wire.Concat(Wire.Packet(Wire.Req, (uint)PacketType.EchoReq, body), Wire.Header(Wire.Req, (uint)PacketType.GrabJob, 0));

        var frames = Decode.Whole(stream);

        Assert.Equal(2, frames.Count);
        Assert.Equal(body, frames[0].Body);
        Assert.Equal(Decoded.Packet(Magic.Request, PacketType.GrabJob, ""), frames[1]);
    }

    [Fact]
    public void Body_that_looks_like_a_header_is_not_reinterpreted()
    {
        var inner = Wire.Packet(Wire.Req, PacketType.CanDo, "f");
        var stream = Wire.Packet(Wire.Req, (uint)PacketType.EchoReq, inner);

        var f = Assert.Single(Decode.Whole(stream));

        Assert.Equal(Decoded.Packet(Magic.Request, (uint)PacketType.EchoReq, inner), f);
    }

    [Fact]
    public void Text_line_with_CRLF_has_the_CR_stripped()
    {
        Assert.Equal(new[] { Decoded.Text("status") }, Decode.Whole(Wire.Bytes("status\r\n")));
    }

    [Fact]
    public void Text_line_with_bare_LF()
    {
        Assert.Equal(new[] { Decoded.Text("workers") }, Decode.Whole(Wire.Bytes("workers\n")));
    }

    [Fact]
    public void Only_one_trailing_CR_is_stripped_and_inner_CRs_stay()
    {
        Assert.Equal(
            new[] { Decoded.Text("a\rb\r"), Decoded.Text("\r") },
            Decode.Whole(Wire.Bytes("a\rb\r\r\n\r\r\n")));
    }

    [Fact]
    public void Empty_lines_decode_to_empty_text()
    {
        Assert.Equal(
            new[] { Decoded.Text(""), Decoded.Text(""), Decoded.Text("x") },
            Decode.Whole(Wire.Bytes("\n\r\nx\n")));
    }

    [Fact]
    public void Text_line_keeps_spaces_and_Latin1_bytes()
    {
        var frames = Decode.Whole(Wire.Concat(Wire.Bytes("cancel job H:\u00e9\u00ff 1"), new byte[] { 0, 7 }, Wire.Bytes("\r\n")));

        Assert.Equal(new[] { Decoded.Text("cancel job H:\u00e9\u00ff 1\0\u0007") }, frames);
    }

    [Fact]
    public void Text_line_without_terminator_stays_pending()
    {
        var decoder = new FrameDecoder();
        var frames = new List<Decoded>();

        Decode.Feed(decoder, Wire.Bytes("stat"), frames);
        Assert.Empty(frames);
        Assert.True(decoder.HasPartialFrame);

        Decode.Feed(decoder, Wire.Bytes("us\r"), frames);
        Assert.Empty(frames);

        Decode.Feed(decoder, Wire.Bytes("\n"), frames);
        Assert.Equal(new[] { Decoded.Text("status") }, frames);
        Assert.False(decoder.HasPartialFrame);
    }

    [Fact]
    public void Text_and_binary_alternate_on_one_stream()
    {
        var stream = Wire.Concat(
            Wire.Bytes("status\r\n"),
            Wire.Packet(Wire.Req, PacketType.CanDo, "reverse"),
            Wire.Bytes("workers\n"),
            Wire.Packet(Wire.Req, PacketType.SubmitJob, "reverse\0\0abc"),
            Wire.Header(Wire.Req, (uint)PacketType.PreSleep, 0),
            Wire.Bytes("version\r\n"),
            Wire.Packet(Wire.Res, PacketType.EchoRes, "z"));

        Assert.Equal(new[]
        {
            Decoded.Text("status"),
            Decoded.Packet(Magic.Request, PacketType.CanDo, "reverse"),
            Decoded.Text("workers"),
            Decoded.Packet(Magic.Request, PacketType.SubmitJob, "reverse\0\0abc"),
            Decoded.Packet(Magic.Request, PacketType.PreSleep, ""),
            Decoded.Text("version"),
            Decoded.Packet(Magic.Response, PacketType.EchoRes, "z"),
        }, Decode.Whole(stream));
    }

    [Fact]
    public void TryDecode_returns_one_frame_per_call_and_leaves_the_rest_of_the_input()
    {
        var decoder = new FrameDecoder();
        var first = Wire.Packet(Wire.Req, PacketType.CanDo, "a");
        var second = Wire.Packet(Wire.Req, PacketType.CanDo, "bb");
        ReadOnlySpan<byte> input = Wire.Concat(first, second);

        Assert.True(decoder.TryDecode(ref input, out var f1));
        Assert.Equal(second.Length, input.Length);
        Assert.Equal("a"u8.ToArray(), f1.Body.ToArray());

        Assert.True(decoder.TryDecode(ref input, out var f2));
        Assert.Equal(0, input.Length);
        Assert.Equal("bb"u8.ToArray(), f2.Body.ToArray());

        Assert.False(decoder.TryDecode(ref input, out _));
    }

    [Fact]
    public void Earlier_frame_bodies_stay_valid_after_later_frames_decode()
    {
        var decoder = new FrameDecoder();
        ReadOnlySpan<byte> input = Wire.Concat(
            Wire.Packet(Wire.Req, PacketType.EchoReq, "first"),
            Wire.Packet(Wire.Req, PacketType.EchoReq, "SECOND"));

        Assert.True(decoder.TryDecode(ref input, out var f1));
        Assert.True(decoder.TryDecode(ref input, out var f2));

        Assert.Equal("first"u8.ToArray(), f1.Body.ToArray());
        Assert.Equal("SECOND"u8.ToArray(), f2.Body.ToArray());
    }

    [Fact]
    public void Empty_input_yields_nothing()
    {
        var decoder = new FrameDecoder();
        ReadOnlySpan<byte> input = default;

        Assert.False(decoder.TryDecode(ref input, out _));
        Assert.False(decoder.HasPartialFrame);
    }

    [Fact]
    public void Partial_header_is_pending_until_complete()
    {
        var decoder = new FrameDecoder();
        var packet = Wire.Packet(Wire.Req, PacketType.CanDo, "fn");
        var frames = new List<Decoded>();

        Decode.Feed(decoder, packet.AsSpan(0, 11), frames);
        Assert.Empty(frames);
        Assert.True(decoder.HasPartialFrame);

        Decode.Feed(decoder, packet.AsSpan(11, 2), frames);
        Assert.Empty(frames);
        Assert.True(decoder.HasPartialFrame);

        Decode.Feed(decoder, packet.AsSpan(13), frames);
        Assert.Equal(new[] { Decoded.Packet(Magic.Request, PacketType.CanDo, "fn") }, frames);
        Assert.False(decoder.HasPartialFrame);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(43u)]
    [InlineData(999u)]
    [InlineData(0x7fffffffu)]
    [InlineData(0xffffffffu)]
    public void Unknown_command_is_reported_and_its_body_skipped(uint type)
    {
        var stream = Wire.Concat(
            Wire.Packet(Wire.Req, type, Wire.Bytes("junk\0with a NUL and \0REQ inside")),
            Wire.Packet(Wire.Req, PacketType.EchoReq, "after"));

        Assert.Equal(new[]
        {
            Decoded.Unknown(Magic.Request, type),
            Decoded.Packet(Magic.Request, PacketType.EchoReq, "after"),
        }, Decode.Whole(stream));
    }

    [Fact]
    public void Unknown_command_with_response_magic_keeps_the_magic()
    {
        var stream = Wire.Concat(Wire.Packet(Wire.Res, 43u, new byte[] { 1, 2, 3 }), Wire.Bytes("status\n"));

        Assert.Equal(new[] { Decoded.Unknown(Magic.Response, 43), Decoded.Text("status") }, Decode.Whole(stream));
    }

    [Fact]
    public void Unknown_command_with_empty_body_is_followed_directly()
    {
        var stream = Wire.Concat(Wire.Header(Wire.Req, 0, 0), Wire.Packet(Wire.Req, PacketType.CanDo, "f"));

        Assert.Equal(new[]
        {
            Decoded.Unknown(Magic.Request, 0),
            Decoded.Packet(Magic.Request, PacketType.CanDo, "f"),
        }, Decode.Whole(stream));
    }

    [Fact]
    public void Unknown_command_body_is_skipped_across_many_pieces()
    {
        var decoder = new FrameDecoder();
        var frames = new List<Decoded>();
        var skipped = new byte[10_000];
        Array.Fill(skipped, (byte)'x');

        Decode.Feed(decoder, Wire.Header(Wire.Req, 999, (uint)skipped.Length), frames);
        Assert.Equal(new[] { Decoded.Unknown(Magic.Request, 999) }, frames);
        Assert.True(decoder.HasPartialFrame);

        for (var i = 0; i < skipped.Length; i += 1000) Decode.Feed(decoder, skipped.AsSpan(i, 1000), frames);
        Assert.Single(frames);
        Assert.False(decoder.HasPartialFrame);

        Decode.Feed(decoder, Wire.Bytes("status\n"), frames);
        Assert.Equal(Decoded.Text("status"), frames[1]);
    }

    [Fact]
    public void Unknown_command_body_is_skipped_even_beyond_the_max_body_size()
    {
        // An unknown command's size is trusted only to find the next packet; nothing is buffered for it.
        var stream = Wire.Concat(Wire.Packet(Wire.Req, 50u, new byte[100]), Wire.Packet(Wire.Req, PacketType.CanDo, "f"));

        Assert.Equal(new[]
        {
            Decoded.Unknown(Magic.Request, 50),
            Decoded.Packet(Magic.Request, PacketType.CanDo, "f"),
        }, Decode.Whole(stream, maxBody: 10));
    }

    [Theory]
    [InlineData("\0REX")]
    [InlineData("\0req")]
    [InlineData("\0\0\0\0")]
    [InlineData("\0RE\0")]
    [InlineData("\0SEQ")]
    public void Bad_magic_is_fatal(string magic)
    {
        var stream = Wire.Concat(Wire.Header(Wire.Bytes(magic), (uint)PacketType.CanDo, 1), Wire.Bytes("f"));

        Assert.Equal(new[] { Decoded.Failed(FatalReason.BadMagic) }, Decode.Whole(stream));
    }

    [Fact]
    public void Bad_magic_is_detected_only_once_the_whole_header_is_in()
    {
        var decoder = new FrameDecoder();
        var frames = new List<Decoded>();
        var header = Wire.Header(Wire.Bytes("\0BAD"), 1, 0);

        Decode.Feed(decoder, header.AsSpan(0, 11), frames);
        Assert.Empty(frames);

        Decode.Feed(decoder, header.AsSpan(11), frames);
        Assert.Equal(new[] { Decoded.Failed(FatalReason.BadMagic) }, frames);
    }

    [Fact]
    public void Body_larger_than_the_configured_max_is_fatal()
    {
        var stream = Wire.Packet(Wire.Req, (uint)PacketType.SubmitJob, new byte[101]);

        Assert.Equal(new[] { Decoded.Failed(FatalReason.PacketTooLarge) }, Decode.Whole(stream, maxBody: 100));
    }

    [Fact]
    public void Body_exactly_the_configured_max_is_accepted()
    {
        var body = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();
        var stream = Wire.Packet(Wire.Req, (uint)PacketType.SubmitJob, body);

        Assert.Equal(new[] { Decoded.Packet(Magic.Request, (uint)PacketType.SubmitJob, body) }, Decode.Whole(stream, maxBody: 100));
    }

    [Fact]
    public void Oversized_body_is_rejected_from_the_header_before_any_body_bytes()
    {
        var decoder = new FrameDecoder(maxBodySize: 1000);
        ReadOnlySpan<byte> input = Wire.Header(Wire.Req, (uint)PacketType.SubmitJob, uint.MaxValue);

        Assert.True(decoder.TryDecode(ref input, out var frame));

        Assert.Equal(FrameKind.Fatal, frame.Kind);
        Assert.Equal(FatalReason.PacketTooLarge, frame.Fatal);
        Assert.False(decoder.HasPartialFrame);
    }

    [Fact]
    public void Max_body_size_zero_allows_only_empty_bodies()
    {
        var stream = Wire.Concat(
            Wire.Header(Wire.Req, (uint)PacketType.GrabJob, 0),
            Wire.Packet(Wire.Req, PacketType.CanDo, "f"));

        Assert.Equal(new[]
        {
            Decoded.Packet(Magic.Request, PacketType.GrabJob, ""),
            Decoded.Failed(FatalReason.PacketTooLarge),
        }, Decode.Whole(stream, maxBody: 0));
    }

    [Fact]
    public void Text_line_longer_than_the_max_is_fatal()
    {
        Assert.Equal(new[] { Decoded.Failed(FatalReason.LineTooLong) }, Decode.Whole(Wire.Bytes("abcdefghijk\n"), maxLine: 10));
    }

    [Fact]
    public void Text_line_of_exactly_the_max_is_accepted_with_a_bare_LF()
    {
        Assert.Equal(new[] { Decoded.Text("abcdefghij") }, Decode.Whole(Wire.Bytes("abcdefghij\n"), maxLine: 10));
    }

    [Fact]
    public void Text_line_of_exactly_the_max_is_accepted_with_CRLF()
    {
        // The CR belongs to the line ending, which is stripped: the line itself is 10 characters.
        Assert.Equal(new[] { Decoded.Text("abcdefghij") }, Decode.Whole(Wire.Bytes("abcdefghij\r\n"), maxLine: 10));
    }

    [Fact]
    public void Unterminated_text_longer_than_the_max_is_fatal_without_waiting_for_LF()
    {
        var decoder = new FrameDecoder(maxLineLength: 16);
        var frames = new List<Decoded>();

        Decode.Feed(decoder, Wire.Bytes("0123456789"), frames);
        Assert.Empty(frames);
        Decode.Feed(decoder, Wire.Bytes("0123456789"), frames);

        Assert.Equal(new[] { Decoded.Failed(FatalReason.LineTooLong) }, frames);
    }

    [Fact]
    public void Line_limit_applies_per_line_not_per_stream()
    {
        var stream = Wire.Bytes(string.Concat(Enumerable.Repeat("0123456789\n", 50)));

        var frames = Decode.Whole(stream, maxLine: 10);

        Assert.Equal(50, frames.Count);
        Assert.All(frames, f => Assert.Equal(Decoded.Text("0123456789"), f));
    }

    public static TheoryData<string, byte[], FatalReason> FatalStreams => new()
    {
        { "bad magic", Wire.Header(Wire.Bytes("\0XYZ"), 1, 0), FatalReason.BadMagic },
        { "too large", Wire.Header(Wire.Req, (uint)PacketType.SubmitJob, 1001), FatalReason.PacketTooLarge },
        { "line too long", Wire.Bytes(new string('a', 200) + "\n"), FatalReason.LineTooLong },
    };

    [Theory]
    [MemberData(nameof(FatalStreams))]
    public void After_fatal_nothing_more_decodes(string name, byte[] poison, FatalReason reason)
    {
        _ = name;
        var decoder = new FrameDecoder(maxBodySize: 1000, maxLineLength: 100);
        var valid = Wire.Concat(Wire.Packet(Wire.Req, PacketType.CanDo, "f"), Wire.Bytes("status\n"));
        var frames = new List<Decoded>();

        Decode.Feed(decoder, Wire.Concat(valid, poison, valid), frames);
        Decode.Feed(decoder, valid, frames);
        Decode.Feed(decoder, Wire.Header(Wire.Req, 0, 0), frames);

        Assert.Equal(new[]
        {
            Decoded.Packet(Magic.Request, PacketType.CanDo, "f"),
            Decoded.Text("status"),
            Decoded.Failed(reason),
        }, frames);
        Assert.False(decoder.HasPartialFrame);

        ReadOnlySpan<byte> more = valid;
        Assert.False(decoder.TryDecode(ref more, out _));
        Assert.True(more.IsEmpty);
    }

    [Fact]
    public void HasPartialFrame_tracks_body_progress()
    {
        var decoder = new FrameDecoder();
        var frames = new List<Decoded>();
        var packet = Wire.Packet(Wire.Req, PacketType.EchoReq, "0123456789");

        Decode.Feed(decoder, packet.AsSpan(0, 12), frames);
        Assert.True(decoder.HasPartialFrame);
        Decode.Feed(decoder, packet.AsSpan(12, 9), frames);
        Assert.True(decoder.HasPartialFrame);
        Assert.Empty(frames);
        Decode.Feed(decoder, packet.AsSpan(21), frames);
        Assert.False(decoder.HasPartialFrame);
        Assert.Single(frames);
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(0x1_0000_0000L)]
    [InlineData(long.MaxValue)]
    public void Constructor_rejects_a_max_body_size_outside_the_protocol_range(long max)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new FrameDecoder(max));
    }

    [Fact]
    public void Default_max_body_size_is_the_protocol_ceiling()
    {
        Assert.Equal(4294967295L, PacketHeader.MaxBodySize);
        Assert.Equal(12, PacketHeader.Size);
        var decoder = new FrameDecoder();
        ReadOnlySpan<byte> input = Wire.Header(Wire.Req, (uint)PacketType.SubmitJob, uint.MaxValue);

        Assert.False(decoder.TryDecode(ref input, out _));
        Assert.True(decoder.HasPartialFrame);
    }

    [Fact]
    public void Frame_ToString_describes_the_frame()
    {
        Assert.Equal("text \"status\"", Frame.Text("status").ToString());
        Assert.Equal("unknown command 43", Frame.Unknown(Magic.Request, 43).ToString());
        Assert.Equal("fatal BadMagic", Frame.Failed(FatalReason.BadMagic).ToString());
        Assert.Equal("Response EchoRes (3 bytes)", Frame.Packet(Magic.Response, 17, new System.Buffers.ReadOnlySequence<byte>(new byte[3])).ToString());
    }

    [Fact]
    public void Long_text_line_across_many_reads_then_a_short_one()
    {
        var decoder = new FrameDecoder();
        var longLine = string.Concat(Enumerable.Range(0, 1000).Select(i => (char)('a' + i % 26) + "bcdefghij"));   // 10,000 chars
        var stream = Wire.Bytes(longLine + "\r\nstatus\n");
        var lines = new List<string>();
        for (var at = 0; at < stream.Length; at += 777)
        {
            ReadOnlySpan<byte> input = stream.AsSpan(at, Math.Min(777, stream.Length - at));
            while (decoder.TryDecode(ref input, out var frame)) lines.Add(frame.Line!);
        }
        Assert.Equal(new[] { longLine, "status" }, lines);
    }

    [Theory]
    [InlineData("Status\n", "Status")]
    [InlineData("status \n", "status ")]
    [InlineData("statusx\n", "statusx")]
    [InlineData("stat\n", "stat")]
    public void Lines_close_to_the_common_polls_keep_their_exact_text(string wire, string expected)
    {
        var decoder = new FrameDecoder();
        ReadOnlySpan<byte> input = Wire.Bytes(wire);
        Assert.True(decoder.TryDecode(ref input, out var frame));
        Assert.Equal(expected, frame.Line);
    }
}
