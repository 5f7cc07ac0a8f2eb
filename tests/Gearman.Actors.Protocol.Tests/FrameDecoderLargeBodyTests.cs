using System.Buffers;
using Gearman.Actors.Protocol;
using Gearman.Actors.Protocol.Tests.Support;

namespace Gearman.Actors.Protocol.Tests;

/// <summary>
/// Bodies above 1 MiB are collected in a chain of chunks (1 MiB, 2 MiB, ...). These tests cut the stream
/// around the chunk boundaries and check that bodies come out intact and as multi-segment sequences.
/// </summary>
public class FrameDecoderLargeBodyTests
{
    private const int MiB = 1 << 20;

    private static byte[] Pattern(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static readonly byte[] BigBody = MakeBigBody();           // 3.5 MiB: chunks of 1, 2 and 0.5 MiB
    private static readonly byte[] ExactlyOneMiB = Pattern(MiB, 2);
    private static readonly byte[] OneMiBPlusOne = Pattern(MiB + 1, 3);
    private static readonly byte[] SkippedBody = Pattern(2 * MiB + 5, 4);

    private static byte[] MakeBigBody()
    {
        var body = Pattern(3 * MiB + MiB / 2, 1);
        for (var i = 0; i < body.Length; i++) if (body[i] == 0) body[i] = 1;
        // NULs right at and around the first two chunk boundaries, for PacketArgs over the chunked body,
        // and one more in the last argument, where it must stay.
        body[10] = 0;
        body[MiB - 1] = 0;
        body[MiB] = 0;
        body[3 * MiB] = 0;
        body[3 * MiB + 100] = 0;
        return body;
    }

    private static readonly int[] BigBodyNulsBefore3MiB = { 10, MiB - 1, MiB, 3 * MiB };

    private static (byte[] Stream, List<Decoded> Expected, int[] Boundaries) BuildStream()
    {
        var parts = new List<(byte[] Bytes, Decoded Frame)>
        {
            (Wire.Bytes("status\r\n"), Decoded.Text("status")),
            (Wire.Packet(Wire.Req, (uint)PacketType.SubmitJob, BigBody), Decoded.Packet(Magic.Request, (uint)PacketType.SubmitJob, BigBody)),
            (Wire.Packet(Wire.Req, 4242u, SkippedBody), Decoded.Unknown(Magic.Request, 4242)),
            (Wire.Packet(Wire.Res, (uint)PacketType.EchoRes, ExactlyOneMiB), Decoded.Packet(Magic.Response, (uint)PacketType.EchoRes, ExactlyOneMiB)),
            (Wire.Packet(Wire.Req, (uint)PacketType.WorkData, OneMiBPlusOne), Decoded.Packet(Magic.Request, (uint)PacketType.WorkData, OneMiBPlusOne)),
            (Wire.Packet(Wire.Req, PacketType.CanDo, "f"), Decoded.Packet(Magic.Request, PacketType.CanDo, "f")),
            (Wire.Bytes("workers\n"), Decoded.Text("workers")),
        };
        var boundaries = new List<int>();
        var at = 0;
        foreach (var (bytes, frame) in parts)
        {
            boundaries.Add(at);
            if (frame.Kind != FrameKind.TextLine)
            {
                var bodyStart = at + 12;
                boundaries.Add(bodyStart);
                foreach (var inBody in new[] { MiB - 1, MiB, MiB + 1, 3 * MiB, 3 * MiB + 1 })
                    if (inBody < bytes.Length - 12) boundaries.Add(bodyStart + inBody);
            }
            at += bytes.Length;
        }
        boundaries.Add(at);
        return (Wire.Concat(parts.Select(p => p.Bytes).ToArray()), parts.Select(p => p.Frame).ToList(), boundaries.ToArray());
    }

    [Fact]
    public void Large_bodies_decode_whole_and_split_near_every_chunk_and_frame_boundary()
    {
        var (stream, expected, boundaries) = BuildStream();

        Assert.Equal(expected, Decode.Whole(stream));

        // Each boundary (frame start, body start, chunk edges inside bodies) and its neighbours, plus cuts
        // inside every header.
        var offsets = boundaries
            .SelectMany(b => new[] { b - 1, b, b + 1, b + 4, b + 11 })
            .Where(o => o >= 0 && o <= stream.Length)
            .Distinct()
            .ToArray();
        foreach (var k in offsets)
        {
            var decoder = new FrameDecoder();
            var frames = new List<Decoded>();
            Decode.Feed(decoder, stream.AsSpan(0, k), frames);
            Decode.Feed(decoder, stream.AsSpan(k), frames);
            Assert.Equal(expected, frames);
        }
    }

    [Fact]
    public void Large_bodies_decode_the_same_in_random_many_piece_splits()
    {
        var (stream, expected, _) = BuildStream();
        var random = new Random(12345);
        for (var round = 0; round < 6; round++)
        {
            var cuts = Enumerable.Range(0, 300).Select(_ => random.Next(stream.Length + 1)).ToArray();
            Assert.Equal(expected, Decode.Pieces(Wire.Cut(stream, cuts)));
        }
        // Small reads of an odd size, as a slow socket would deliver them.
        var pieces = Enumerable.Range(0, (stream.Length + 4092) / 4093).Select(i => stream[(i * 4093)..Math.Min(stream.Length, (i + 1) * 4093)]);
        Assert.Equal(expected, Decode.Pieces(pieces));
    }

    [Fact]
    public void Body_over_one_MiB_is_a_multi_segment_sequence_and_one_MiB_is_single()
    {
        var (stream, _, _) = BuildStream();
        var decoder = new FrameDecoder();
        ReadOnlySpan<byte> input = stream;
        var frames = new List<Frame>();
        while (decoder.TryDecode(ref input, out var f)) frames.Add(f);

        Assert.Equal(7, frames.Count);
        Assert.False(frames[1].Body.IsSingleSegment);
        Assert.Equal(BigBody.Length, frames[1].Body.Length);
        Assert.True(frames[3].Body.IsSingleSegment);
        Assert.Equal(MiB, frames[3].Body.Length);
        Assert.False(frames[4].Body.IsSingleSegment);
        Assert.Equal(MiB + 1, frames[4].Body.Length);

        // The segments' running indexes must be consistent, so that slicing works across them.
        Assert.Equal(BigBody[(MiB - 5)..(MiB + 5)], frames[1].Body.Slice(MiB - 5, 10).ToArray());
        Assert.Equal(BigBody[(3 * MiB - 5)..(3 * MiB + 5)], frames[1].Body.Slice(3 * MiB - 5, 10).ToArray());
        Assert.Equal(OneMiBPlusOne[^3..], frames[4].Body.Slice(MiB - 2).ToArray());
    }

    [Fact]
    public void PacketArgs_split_a_chunked_body_at_NULs_on_chunk_boundaries()
    {
        var decoder = new FrameDecoder();
        ReadOnlySpan<byte> input = Wire.Packet(Wire.Req, (uint)PacketType.SubmitReduceJob, BigBody);
        Assert.True(decoder.TryDecode(ref input, out var frame));
        Assert.False(frame.Body.IsSingleSegment);

        Assert.True(PacketArgs.TrySplit(frame.Body, 5, out var args));

        var n = BigBodyNulsBefore3MiB;
        Assert.Equal(BigBody[..n[0]], args[0].ToArray());
        Assert.Equal(BigBody[(n[0] + 1)..n[1]], args[1].ToArray());
        Assert.Equal(0, args[2].Length);                                  // NULs at MiB-1 and MiB are adjacent
        Assert.Equal(BigBody[(n[2] + 1)..n[3]], args[3].ToArray());
        Assert.Equal(BigBody[(n[3] + 1)..], args[4].ToArray());
        Assert.Equal(0, args[4].ToArray()[99]);
        Assert.True(PacketArgs.TrySplit(new ReadOnlySequence<byte>(BigBody), 5, out var flat));
        for (var i = 0; i < 5; i++) Assert.Equal(flat[i].ToArray(), args[i].ToArray());
    }
}
