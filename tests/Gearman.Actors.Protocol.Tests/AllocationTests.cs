using System.Buffers;
using Gearman.Actors.Protocol;
using Gearman.Actors.Protocol.Tests.Support;

namespace Gearman.Actors.Protocol.Tests;

/// <summary>
/// The per-packet paths allocate nothing beyond the body array that a packet's arguments are slices of
/// (bench/Gearman.Actors.Benchmarks measures the same with BenchmarkDotNet).
/// </summary>
public class AllocationTests
{
    private static long Allocated(Action action)
    {
        for (var i = 0; i < 3; i++) action();   // JIT and static initialisation are not charged
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++) action();
        return (GC.GetAllocatedBytesForCurrentThread() - before) / 100;
    }

    private static readonly byte[] SubmitBg = Wire.Packet(Wire.Req, PacketType.SubmitJobBg, "gb.bench\0\0" + new string('x', 64));

    [Fact]
    public void Decoding_a_packet_allocates_only_its_body_array()
    {
        var decoder = new FrameDecoder();
        var bodyLength = SubmitBg.Length - PacketHeader.Size;
        var perPacket = Allocated(() =>
        {
            ReadOnlySpan<byte> input = SubmitBg;
            Assert.True(decoder.TryDecode(ref input, out var frame));
            Assert.True(PacketArgs.TrySplit(frame.Body, 3, out _));
        });
        Assert.True(perPacket <= bodyLength + 32, $"{perPacket} bytes for a {bodyLength}-byte body");
    }

    [Fact]
    public void Splitting_arguments_allocates_nothing()
    {
        var body = new ReadOnlySequence<byte>(Wire.Bytes("fn\0uniq\0payload"));
        Assert.Equal(0, Allocated(() => Assert.True(PacketArgs.TrySplit(body, 3, out _))));
    }

    [Fact]
    public void Decoding_an_empty_packet_allocates_nothing()
    {
        var decoder = new FrameDecoder();
        var grab = Wire.Packet(Wire.Req, (uint)PacketType.GrabJobUniq, []);
        Assert.Equal(0, Allocated(() =>
        {
            ReadOnlySpan<byte> input = grab;
            Assert.True(decoder.TryDecode(ref input, out _));
        }));
    }

    [Theory]
    [InlineData("status\n")]
    [InlineData("status\r\n")]
    [InlineData("workers\r\n")]
    [InlineData("show jobs\n")]
    public void Polling_admin_lines_allocate_nothing(string line)
    {
        var decoder = new FrameDecoder();
        var bytes = Wire.Bytes(line);
        Assert.Equal(0, Allocated(() =>
        {
            ReadOnlySpan<byte> input = bytes;
            Assert.True(decoder.TryDecode(ref input, out _));
        }));
    }

    [Theory]
    [InlineData("status")]
    [InlineData("workers")]
    [InlineData("version")]
    public void Parsing_argument_less_polls_allocates_nothing(string line)
    {
        Assert.Equal(0, Allocated(() => AdminCommand.Parse(line)));
    }

    [Fact]
    public void Encoding_replies_into_a_reused_buffer_allocates_nothing()
    {
        var writer = new ArrayBufferWriter<byte>(4096);
        var payload = new ReadOnlySequence<byte>(new byte[64]);
        Assert.Equal(0, Allocated(() =>
        {
            writer.ResetWrittenCount();
            PacketWriter.Write(writer, PacketType.JobCreated, "H:host:1");
            PacketWriter.Write(writer, PacketType.Noop);
            PacketWriter.WritePrefix(writer, PacketType.JobAssignUniq, payload.Length, "H:host:1", "fn", "uniq");
            PacketWriter.Write(writer, PacketType.WorkComplete, payload, "H:host:1");
        }));
    }
}
