using System.Buffers;
using System.Globalization;
using Gearman.Actors.Protocol;

namespace Gearman.Actors.Client.Internal;

/// <summary>Reads the arguments of packets from the server.</summary>
internal static class Replies
{
    /// <summary>Splits a body into <paramref name="count"/> arguments or reports a malformed packet.</summary>
    public static PacketArgs Split(PacketType type, in ReadOnlySequence<byte> body, int count) =>
        PacketArgs.TrySplit(body, count, out var args)
            ? args
            : throw new GearmanProtocolException($"{type} with fewer than {count} arguments");

    /// <summary>
    /// A handle argument. gearmand's WORK_FAIL for an exception relayed to a client without the exceptions option
    /// carries the handle plus a trailing NUL, so trailing NULs are dropped.
    /// </summary>
    public static string Handle(in ReadOnlySequence<byte> arg)
    {
        var text = Latin1.GetString(arg);
        return text.TrimEnd('\0');
    }

    /// <summary>
    /// A payload argument without a copy when it is one segment (the decoder gives every packet body its own array).
    /// </summary>
    public static ReadOnlyMemory<byte> Payload(in ReadOnlySequence<byte> arg) =>
        arg.IsEmpty ? ReadOnlyMemory<byte>.Empty : arg.IsSingleSegment ? arg.First : arg.ToArray();

    public static long Number(in ReadOnlySequence<byte> arg) =>
        long.TryParse(Latin1.GetString(arg), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : 0;

    public static bool Flag(in ReadOnlySequence<byte> arg) => Number(arg) != 0;

    public static JobStatus Status(in ReadOnlySequence<byte> body)
    {
        var a = Split(PacketType.StatusRes, body, 5);
        return new JobStatus(a.Text(0), Flag(a[1]), Flag(a[2]), Number(a[3]), Number(a[4]));
    }

    public static UniqueJobStatus UniqueStatus(in ReadOnlySequence<byte> body)
    {
        // Six arguments, one more than PacketArgs holds: the fifth slice still carries "den\0clients".
        var a = Split(PacketType.StatusResUnique, body, 5);
        var tail = Split(PacketType.StatusResUnique, a[4], 2);
        return new UniqueJobStatus(a.Text(0), Flag(a[1]), Flag(a[2]), Number(a[3]), Number(tail[0]), (int)Number(tail[1]));
    }
}
