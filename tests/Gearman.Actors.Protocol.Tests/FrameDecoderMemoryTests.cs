using Gearman.Actors.Protocol;
using Gearman.Actors.Protocol.Tests.Support;

namespace Gearman.Actors.Protocol.Tests;

/// <summary>Memory must follow the bytes that arrive, never the size a header declares (up to 4 GiB − 1).</summary>
public class FrameDecoderMemoryTests
{
    private const int MiB = 1 << 20;

    private static void WarmUp()
    {
        // JIT and first-use allocations must not be charged to the measurement.
        var decoder = new FrameDecoder();
        ReadOnlySpan<byte> input = Wire.Concat(Wire.Header(Wire.Req, (uint)PacketType.SubmitJob, 2 * MiB), new byte[MiB + 10]);
        decoder.TryDecode(ref input, out _);
        input = Wire.Concat(Wire.Packet(Wire.Req, 999u, new byte[3]), Wire.Bytes("status\n"));
        var d2 = new FrameDecoder();
        while (d2.TryDecode(ref input, out _)) { }
    }

    [Fact]
    public void Declared_4GiB_body_with_100_bytes_fed_allocates_little_and_does_not_throw()
    {
        WarmUp();
        var header = Wire.Header(Wire.Req, (uint)PacketType.SubmitJob, uint.MaxValue);
        var hundred = new byte[100];
        Array.Fill(hundred, (byte)'x');

        var before = GC.GetAllocatedBytesForCurrentThread();
        var decoder = new FrameDecoder();
        ReadOnlySpan<byte> input = header;
        var gotHeaderFrame = decoder.TryDecode(ref input, out _);
        input = hundred;
        var gotBodyFrame = decoder.TryDecode(ref input, out _);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.False(gotHeaderFrame);
        Assert.False(gotBodyFrame);
        Assert.True(input.IsEmpty);
        Assert.True(decoder.HasPartialFrame);
        Assert.True(allocated < 8L * MiB, $"allocated {allocated} bytes for 112 bytes received");
    }

    [Fact]
    public void Many_connections_declaring_4GiB_each_stay_small()
    {
        WarmUp();
        var stream = Wire.Concat(Wire.Header(Wire.Res, (uint)PacketType.WorkData, uint.MaxValue), new byte[100]);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var decoders = new List<FrameDecoder>();
        for (var i = 0; i < 20; i++)
        {
            var decoder = new FrameDecoder();
            ReadOnlySpan<byte> input = stream;
            Assert.False(decoder.TryDecode(ref input, out _));
            decoders.Add(decoder);
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // At most one first chunk (1 MiB) per connection, never the declared size.
        Assert.True(allocated < 20L * (MiB + 64 * 1024), $"allocated {allocated} bytes for 20 x 112 bytes received");
        GC.KeepAlive(decoders);
    }

    [Fact]
    public void Allocation_grows_with_the_bytes_received_not_the_declared_size()
    {
        WarmUp();
        var decoder = new FrameDecoder();
        ReadOnlySpan<byte> header = Wire.Header(Wire.Req, (uint)PacketType.SubmitJob, uint.MaxValue);
        Assert.False(decoder.TryDecode(ref header, out _));
        var piece = new byte[64 * 1024];

        var before = GC.GetAllocatedBytesForCurrentThread();
        long received = 0;
        for (var i = 0; i < 160; i++)   // 10 MiB
        {
            ReadOnlySpan<byte> input = piece;
            Assert.False(decoder.TryDecode(ref input, out _));
            received += piece.Length;
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Chunks double (1, 2, 4, 8 MiB...), so the buffer is at most about twice what has arrived.
        Assert.True(allocated <= 2 * received + MiB, $"allocated {allocated} bytes for {received} bytes received");
        Assert.True(decoder.HasPartialFrame);
    }

    [Fact]
    public void Skipping_a_4GiB_unknown_command_allocates_nothing_per_byte()
    {
        WarmUp();
        var decoder = new FrameDecoder();
        ReadOnlySpan<byte> header = Wire.Header(Wire.Req, 999, uint.MaxValue);
        var piece = new byte[64 * 1024];

        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.True(decoder.TryDecode(ref header, out var frame));
        for (var i = 0; i < 32; i++)
        {
            ReadOnlySpan<byte> input = piece;
            Assert.False(decoder.TryDecode(ref input, out _));
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(FrameKind.UnknownCommand, frame.Kind);
        Assert.True(decoder.HasPartialFrame);
        Assert.True(allocated < 64 * 1024, $"allocated {allocated} bytes while skipping 2 MiB");
    }

    [Fact]
    public void Packet_too_large_is_reported_without_allocating_the_body()
    {
        WarmUp();
        var decoder = new FrameDecoder(maxBodySize: 16 * MiB);
        ReadOnlySpan<byte> input = Wire.Concat(Wire.Header(Wire.Req, (uint)PacketType.SubmitJob, uint.MaxValue), new byte[100]);

        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.True(decoder.TryDecode(ref input, out var frame));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(FatalReason.PacketTooLarge, frame.Fatal);
        Assert.True(allocated < 64 * 1024, $"allocated {allocated} bytes");
    }
}
