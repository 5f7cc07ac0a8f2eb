namespace Gearman.Actors.Protocol;

/// <summary>
/// Numbers in packet arguments read the way gearmand reads them, with C's strtol family: leading white space, an
/// optional sign, then decimal digits up to the first other character; no digits at all reads as 0. Clients that
/// send "50", "+50" or "50%" see the same result on both servers.
/// </summary>
public static class CNumbers
{
    /// <summary>
    /// A SUBMIT_JOB_EPOCH time as gearmand's strtoll reads it; false when it does not fit in 64 bits (gearmand
    /// drops the request then).
    /// </summary>
    public static bool TryParseEpoch(ReadOnlySpan<char> text, out long value) => TryStrtol(text, out value);

    /// <summary>
    /// A WORK_STATUS numerator or denominator as GET_STATUS reports it: gearmand keeps <c>(uint32_t)atoi(arg)</c>,
    /// reading at most the denominator's first 10 characters. WORK_STATUS itself reaches clients as sent.
    /// </summary>
    public static string StatusNumerator(string text) => AsUInt32(text.AsSpan());

    /// <inheritdoc cref="StatusNumerator"/>
    public static string StatusDenominator(string text) => AsUInt32(text.AsSpan(0, Math.Min(text.Length, 10)));

    private static string AsUInt32(ReadOnlySpan<char> text)
    {
        // glibc's atoi is (int)strtol: out of range saturates to the 64-bit limits, the cast keeps the low 32 bits.
        if (!TryStrtol(text, out var value)) value = text.TrimStart(" \t\n\v\f\r").StartsWith("-") ? long.MinValue : long.MaxValue;
        return unchecked((uint)value).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static bool TryStrtol(ReadOnlySpan<char> text, out long value)
    {
        var i = 0;
        while (i < text.Length && text[i] is ' ' or '\t' or '\n' or '\v' or '\f' or '\r') i++;
        var negative = false;
        if (i < text.Length && text[i] is '+' or '-') negative = text[i++] == '-';
        // Accumulated as a negative number, which has room for long.MinValue.
        long acc = 0;
        for (; i < text.Length && text[i] is >= '0' and <= '9'; i++)
        {
            var digit = text[i] - '0';
            if (acc < (long.MinValue + digit) / 10)
            {
                value = 0;
                return false;
            }
            acc = acc * 10 - digit;
        }
        if (!negative && acc == long.MinValue)
        {
            value = 0;
            return false;
        }
        value = negative ? acc : -acc;
        return true;
    }
}
