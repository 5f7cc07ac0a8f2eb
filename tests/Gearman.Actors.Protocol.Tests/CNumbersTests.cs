using System.Buffers;
using System.Text;
using Gearman.Actors.Protocol;

namespace Gearman.Actors.Protocol.Tests;

/// <summary>Numbers and names in packet arguments read as gearmand's C code reads them.</summary>
public class CNumbersTests
{
    [Theory]
    [InlineData("1700000000", true, 1700000000L)]
    [InlineData("1700000000.5", true, 1700000000L)]
    [InlineData("  42", true, 42L)]
    [InlineData("+7", true, 7L)]
    [InlineData("-5", true, -5L)]
    [InlineData("abc", true, 0L)]
    [InlineData("", true, 0L)]
    [InlineData("9223372036854775807", true, long.MaxValue)]
    [InlineData("-9223372036854775808", true, long.MinValue)]
    [InlineData("9223372036854775808", false, 0L)]
    [InlineData("99999999999999999999", false, 0L)]
    public void An_epoch_reads_as_strtoll_reads_it(string text, bool fits, long value)
    {
        Assert.Equal(fits, CNumbers.TryParseEpoch(text, out var parsed));
        if (fits) Assert.Equal(value, parsed);
    }

    [Theory]
    [InlineData("50", "50")]
    [InlineData("007", "7")]
    [InlineData("abc", "0")]
    [InlineData("", "0")]
    [InlineData("12%", "12")]
    [InlineData("-1", "4294967295")]
    [InlineData("4294967296", "0")]
    [InlineData("999999999999", "3567587327")]
    [InlineData("99999999999999999999", "4294967295")]
    public void A_status_numerator_is_kept_as_a_32_bit_atoi(string text, string reported)
    {
        Assert.Equal(reported, CNumbers.StatusNumerator(text));
    }

    [Theory]
    [InlineData("100", "100")]
    [InlineData("999999999999", "1410065407")] // only "9999999999" is read
    [InlineData("4294967295", "4294967295")]
    public void A_status_denominator_is_read_from_its_first_ten_characters(string text, string reported)
    {
        Assert.Equal(reported, CNumbers.StatusDenominator(text));
    }

    [Theory]
    [InlineData("H:host:1", "H:host:1")]
    [InlineData("H:host:1\0junk", "H:host:1")]
    [InlineData("\0junk", "")]
    [InlineData("", "")]
    public void A_last_argument_read_as_a_C_string_stops_at_its_first_NUL(string body, string expected)
    {
        Assert.True(PacketArgs.TrySplit(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(body)), 1, out var args));
        Assert.Equal(expected, args.CText(0));
        Assert.Equal(body, args.Text(0));
    }
}
