using System.Buffers;
using CsCheck;
using Gearman.Actors.Protocol;
using Gearman.Actors.Protocol.Tests.Support;

namespace Gearman.Actors.Protocol.Tests;

public class PacketArgsTests
{
    private static ReadOnlySequence<byte> Seq(string latin1) => new(Wire.Bytes(latin1));

    private static string[] Texts(PacketArgs args) => Enumerable.Range(0, args.Count).Select(i => args.Text(i)).ToArray();

    [Theory]
    [InlineData("reverse", 1, new[] { "reverse" })]
    [InlineData("H:vm:1\u000050", 2, new[] { "H:vm:1", "50" })]
    [InlineData("reverse\0uniq\0payload", 3, new[] { "reverse", "uniq", "payload" })]
    [InlineData("f\0u\01700000000\0data", 4, new[] { "f", "u", "1700000000", "data" })]
    [InlineData("f\0u\0red\0\0data", 5, new[] { "f", "u", "red", "", "data" })]
    public void Splits_into_exactly_the_requested_count(string body, int count, string[] expected)
    {
        Assert.True(PacketArgs.TrySplit(Seq(body), count, out var args));

        Assert.Equal(count, args.Count);
        Assert.Equal(expected, Texts(args));
    }

    [Theory]
    [InlineData("f\0u\0da\0ta\0", 3, new[] { "f", "u", "da\0ta\0" })]
    [InlineData("a\0b\0c\0d", 2, new[] { "a", "b\0c\0d" })]
    [InlineData("H:vm:25\0", 1, new[] { "H:vm:25\0" })]
    [InlineData("\0\0\0", 1, new[] { "\0\0\0" })]
    [InlineData("\0\0\0", 2, new[] { "", "\0\0" })]
    public void Extra_NULs_stay_in_the_last_argument(string body, int count, string[] expected)
    {
        Assert.True(PacketArgs.TrySplit(Seq(body), count, out var args));

        Assert.Equal(expected, Texts(args));
    }

    [Theory]
    [InlineData("", 1, new[] { "" })]
    [InlineData("\0", 2, new[] { "", "" })]
    [InlineData("\0\0", 3, new[] { "", "", "" })]
    [InlineData("H:vm:25\0", 2, new[] { "H:vm:25", "" })]
    [InlineData("f\0\0", 3, new[] { "f", "", "" })]
    public void Empty_arguments_are_kept(string body, int count, string[] expected)
    {
        Assert.True(PacketArgs.TrySplit(Seq(body), count, out var args));

        Assert.Equal(expected, Texts(args));
        Assert.All(Enumerable.Range(0, count), i => Assert.Equal(expected[i].Length, args[i].Length));
    }

    [Theory]
    [InlineData("", 2)]
    [InlineData("reverse", 2)]
    [InlineData("reverse\0uniq", 3)]
    [InlineData("f\0u\0data", 4)]
    [InlineData("f\0u\0r\0data", 5)]
    public void Too_few_NULs_fails(string body, int count)
    {
        Assert.False(PacketArgs.TrySplit(Seq(body), count, out var args));
        Assert.Equal(0, args.Count);
    }

    [Fact]
    public void Zero_arguments_always_succeeds_with_no_arguments()
    {
        Assert.True(PacketArgs.TrySplit(ReadOnlySequence<byte>.Empty, 0, out var args));
        Assert.Equal(0, args.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => args[0]);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(6)]
    [InlineData(int.MaxValue)]
    public void Count_outside_0_to_MaxArgs_throws(int count)
    {
        Assert.Equal(5, PacketArgs.MaxArgs);
        Assert.Throws<ArgumentOutOfRangeException>(() => PacketArgs.TrySplit(Seq("a\0b\0c\0d\0e\0f\0g"), count, out _));
    }

    [Fact]
    public void Indexing_past_the_count_throws()
    {
        Assert.True(PacketArgs.TrySplit(Seq("a\0b"), 2, out var args));

        Assert.Throws<ArgumentOutOfRangeException>(() => args[2]);
        Assert.Throws<ArgumentOutOfRangeException>(() => args[-1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => args.Text(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => default(PacketArgs)[0]);
    }

    [Fact]
    public void Text_maps_every_byte_to_one_char()
    {
        var body = Enumerable.Range(1, 255).Select(i => (byte)i).ToArray();
        Assert.True(PacketArgs.TrySplit(new ReadOnlySequence<byte>(Wire.Concat(body, new byte[] { 0 }, body)), 2, out var args));

        var text = args.Text(0);

        Assert.Equal(255, text.Length);
        Assert.All(Enumerable.Range(0, 255), i => Assert.Equal((char)(i + 1), text[i]));
        Assert.Equal(body, Latin1.GetBytes(args.Text(1)));
    }

    [Fact]
    public void Arguments_are_slices_of_the_body()
    {
        var bytes = Wire.Bytes("fn\0uq\0payload");
        Assert.True(PacketArgs.TrySplit(new ReadOnlySequence<byte>(bytes), 3, out var args));

        bytes[6] = (byte)'P';   // mutate the body after splitting: the argument sees it

        Assert.Equal("Payload", args.Text(2));
    }

    [Fact]
    public void Multi_segment_input_splits_like_single_segment_for_every_cut()
    {
        var body = Wire.Bytes("fn\0uniq\0red\0\0da\0ta");
        Assert.True(PacketArgs.TrySplit(new ReadOnlySequence<byte>(body), 5, out var flat));
        var expected = Texts(flat);
        Assert.Equal(new[] { "fn", "uniq", "red", "", "da\0ta" }, expected);

        for (var i = 0; i <= body.Length; i++)
        {
            for (var j = i; j <= body.Length; j++)
            {
                var seq = Wire.Segmented(body[..i], body[i..j], body[j..]);
                Assert.Equal(body.Length, seq.Length);
                Assert.True(PacketArgs.TrySplit(seq, 5, out var args), $"cut at {i},{j}");
                Assert.Equal(expected, Texts(args));
            }
        }
    }

    [Fact]
    public void One_byte_segments_split_like_single_segment()
    {
        var body = Wire.Bytes("\0a\0\0bc\0\0");
        var seq = Wire.Segmented(body.Select(b => new[] { b }).ToArray());
        Assert.False(seq.IsSingleSegment);

        Assert.True(PacketArgs.TrySplit(seq, 5, out var args));

        Assert.Equal(new[] { "", "a", "", "bc", "\0" }, Texts(args));
        Assert.False(PacketArgs.TrySplit(Wire.Segmented(Wire.Bytes("a\0"), Wire.Bytes("b")), 3, out _));
    }

    [Fact]
    public void Empty_segments_between_data_are_harmless()
    {
        var seq = Wire.Segmented(Array.Empty<byte>(), Wire.Bytes("f"), Array.Empty<byte>(), new byte[] { 0 }, Array.Empty<byte>(),
            Wire.Bytes("u\0"), Array.Empty<byte>(), Wire.Bytes("data"));

        Assert.True(PacketArgs.TrySplit(seq, 3, out var args));

        Assert.Equal(new[] { "f", "u", "data" }, Texts(args));
    }

    [Fact]
    public void Property_any_segmentation_splits_like_single_segment()
    {
        var gen =
            from body in Gen.Frequency((1, Gen.Const((byte)0)), (2, Gen.Byte)).Array[0, 30]
            from count in Gen.Int[0, 5]
            from cuts in Gen.Int[0, body.Length].Array[0, 6]
            select (body, count, cuts);

        gen.Sample(t =>
        {
            var (body, count, cuts) = t;
            var flatOk = PacketArgs.TrySplit(new ReadOnlySequence<byte>(body), count, out var flat);
            var segOk = PacketArgs.TrySplit(Wire.Segmented(Wire.Cut(body, cuts)), count, out var seg);

            Assert.Equal(flatOk, segOk);
            Assert.Equal(count > 0 ? body.Count(b => b == 0) >= count - 1 : true, flatOk);
            if (!flatOk) return;
            Assert.Equal(count, seg.Count);
            for (var i = 0; i < count; i++) Assert.Equal(flat[i].ToArray(), seg[i].ToArray());
            // Joining the arguments with NULs gives the body back.
            if (count > 0)
                Assert.Equal(body, Enumerable.Range(0, count).SelectMany((i, n) => n < count - 1 ? seg[i].ToArray().Append((byte)0) : seg[i].ToArray()).ToArray());
        }, iter: 2000, print: t => $"body={Convert.ToHexString(t.body)} count={t.count} cuts=[{string.Join(",", t.cuts)}]");
    }
}
