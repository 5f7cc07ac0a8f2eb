using System.Buffers;
using Gearman.Actors.Protocol;
using Gearman.Actors.Protocol.Tests.Support;

namespace Gearman.Actors.Protocol.Tests;

public class Latin1Tests
{
    private static readonly byte[] AllBytes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();

    [Fact]
    public void Every_byte_round_trips_through_a_string()
    {
        var text = Latin1.GetString(AllBytes);

        Assert.Equal(256, text.Length);
        Assert.All(Enumerable.Range(0, 256), i => Assert.Equal((char)i, text[i]));
        Assert.Equal(AllBytes, Latin1.GetBytes(text));
    }

    [Fact]
    public void Multi_segment_sequence_gives_the_same_string()
    {
        var seq = Wire.Segmented(AllBytes[..1], AllBytes[1..100], Array.Empty<byte>(), AllBytes[100..]);
        Assert.False(seq.IsSingleSegment);

        Assert.Equal(Latin1.GetString(AllBytes), Latin1.GetString(seq));
        Assert.Equal(Latin1.GetString(AllBytes), Latin1.GetString(new ReadOnlySequence<byte>(AllBytes)));
    }

    [Fact]
    public void Empty_inputs_give_the_empty_string()
    {
        Assert.Same(string.Empty, Latin1.GetString(ReadOnlySequence<byte>.Empty));
        Assert.Same(string.Empty, Latin1.GetString(ReadOnlySpan<byte>.Empty));
        Assert.Empty(Latin1.GetBytes(""));
    }

    [Fact]
    public void Write_encodes_into_a_span_and_returns_the_count()
    {
        var buffer = new byte[8];
        var n = Latin1.Write("H:\u00e9\0", buffer);

        Assert.Equal(4, n);
        Assert.Equal(new byte[] { (byte)'H', (byte)':', 0xE9, 0, 0, 0, 0, 0 }, buffer);
    }
}
