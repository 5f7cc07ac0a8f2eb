using System.Buffers;
using System.Globalization;
using Gearman.Actors.Protocol;

namespace Gearman.Actors.Client.Internal;

/// <summary>Encodes the request packets clients and workers send, on top of the protocol library's <see cref="PacketWriter"/>.</summary>
internal static class Requests
{
    /// <summary>Handles and uniques are at most 64 bytes including a NUL in gearmand (GEARMAN_JOB_HANDLE_SIZE, GEARMAN_MAX_UNIQUE_SIZE).</summary>
    public const int MaxUniqueLength = 64;
    public const int MaxHandleLength = 63;

    public static void Text(IBufferWriter<byte> w, PacketType type, params ReadOnlySpan<string> args) =>
        PacketWriter.Write(w, Magic.Request, type, args);

    /// <summary>A packet whose last argument is binary: the leading text arguments, then the payload bytes.</summary>
    public static void WithPayload(IBufferWriter<byte> w, PacketType type, ReadOnlySpan<byte> payload, params ReadOnlySpan<string> leading)
    {
        PacketWriter.WritePrefix(w, Magic.Request, type, payload.Length, leading);
        w.Write(payload);
    }

    public static PacketType SubmitType(JobPriority priority, bool background) => (priority, background) switch
    {
        (JobPriority.Normal, false) => PacketType.SubmitJob,
        (JobPriority.High, false) => PacketType.SubmitJobHigh,
        (JobPriority.Low, false) => PacketType.SubmitJobLow,
        (JobPriority.Normal, true) => PacketType.SubmitJobBg,
        (JobPriority.High, true) => PacketType.SubmitJobHighBg,
        (JobPriority.Low, true) => PacketType.SubmitJobLowBg,
        _ => throw new ArgumentOutOfRangeException(nameof(priority), priority, null),
    };

    public static void Submit(IBufferWriter<byte> w, PacketType type, string function, string unique, ReadOnlySpan<byte> payload) =>
        WithPayload(w, type, payload, function, unique);

    public static void SubmitEpoch(IBufferWriter<byte> w, string function, string unique, long epochSeconds, ReadOnlySpan<byte> payload) =>
        WithPayload(w, PacketType.SubmitJobEpoch, payload, function, unique, epochSeconds.ToString(CultureInfo.InvariantCulture));

    public static void CanDo(IBufferWriter<byte> w, string function, TimeSpan? timeout)
    {
        if (timeout is { } t)
            Text(w, PacketType.CanDoTimeout, function, ((long)Math.Ceiling(t.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture));
        else
            Text(w, PacketType.CanDo, function);
    }

    public static void WorkStatus(IBufferWriter<byte> w, string handle, long numerator, long denominator) =>
        Text(w, PacketType.WorkStatus, handle, numerator.ToString(CultureInfo.InvariantCulture), denominator.ToString(CultureInfo.InvariantCulture));

    /// <summary>Checks what gearmand would reject or mishandle before anything is sent, so replies stay in step.</summary>
    public static void ValidateName(string value, string what, int max = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(value, what);
        if (value.Length > max) throw new ArgumentException($"{what} is {value.Length} bytes; the protocol allows {max}", what);
        foreach (var c in value)
        {
            if (c == '\0') throw new ArgumentException($"{what} contains a NUL byte, the protocol's separator", what);
            if (c > '\u00ff') throw new ArgumentException($"{what} must be Latin-1 (one byte per character on the wire)", what);
        }
    }
}
