using System.Buffers;

namespace Gearman.Actors.Protocol;

/// <summary>
/// The NUL-separated arguments of one packet body, as slices of that body (no copies).
/// Every argument but the last is NUL-terminated; the last one runs to the end of the body.
/// </summary>
public readonly struct PacketArgs
{
    public const int MaxArgs = 5;

    private readonly ReadOnlySequence<byte> _a0, _a1, _a2, _a3, _a4;

    public int Count { get; }

    private PacketArgs(int count, ReadOnlySequence<byte> a0, ReadOnlySequence<byte> a1, ReadOnlySequence<byte> a2,
        ReadOnlySequence<byte> a3, ReadOnlySequence<byte> a4)
    {
        Count = count;
        (_a0, _a1, _a2, _a3, _a4) = (a0, a1, a2, a3, a4);
    }

    public ReadOnlySequence<byte> this[int index] => index switch
    {
        0 when Count > 0 => _a0,
        1 when Count > 1 => _a1,
        2 when Count > 2 => _a2,
        3 when Count > 3 => _a3,
        4 when Count > 4 => _a4,
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    /// <summary>The argument as a string, one char per byte (Latin-1), so that any byte string round-trips.</summary>
    public string Text(int index) => Latin1.GetString(this[index]);

    /// <summary>
    /// The argument up to its first NUL, as gearmand reads a handle, unique, option or client id that is a packet's
    /// last argument (it copies it into a C string), so "H:1\0junk" names the job "H:1".
    /// </summary>
    public string CText(int index)
    {
        var arg = this[index];
        return arg.PositionOf((byte)0) is { } nul ? Latin1.GetString(arg.Slice(0, nul)) : Latin1.GetString(arg);
    }

    /// <summary>
    /// As <see cref="TrySplit"/>, but a body that holds only the first <paramref name="required"/> arguments gets
    /// the missing trailing ones as empty. Perl's Gearman::Worker sends WORK_COMPLETE, WORK_DATA and WORK_WARNING
    /// with a false value ("" or "0") as the bare handle, and WORK_STATUS without its denominator.
    /// </summary>
    public static bool TrySplitPadded(in ReadOnlySequence<byte> body, int count, int required, out PacketArgs args)
    {
        if (TrySplit(body, count, out args)) return true;
        for (var present = count - 1; present >= required; present--)
        {
            if (!TrySplit(body, present, out var some)) continue;
            args = new PacketArgs(count,
                some._a0, present > 1 ? some._a1 : default, present > 2 ? some._a2 : default,
                present > 3 ? some._a3 : default, present > 4 ? some._a4 : default);
            return true;
        }
        return false;
    }

    /// <summary>
    /// Splits <paramref name="body"/> into exactly <paramref name="count"/> arguments. Fails when the body holds
    /// fewer than <c>count - 1</c> NUL separators. Extra NULs belong to the last argument.
    /// </summary>
    public static bool TrySplit(in ReadOnlySequence<byte> body, int count, out PacketArgs args)
    {
        if (count is < 0 or > MaxArgs) throw new ArgumentOutOfRangeException(nameof(count));
        args = default;
        if (count == 0)
        {
            args = new PacketArgs(0, default, default, default, default, default);
            return true;
        }
        // The slices live in an inline array on the stack: splitting allocates nothing.
        var a = new Slices();
        if (body.IsSingleSegment)
        {
            // The common case (every body under 1 MiB): search the span, slice by offset.
            var span = body.FirstSpan;
            var start = 0;
            for (var i = 0; i < count - 1; i++)
            {
                var nul = span[start..].IndexOf((byte)0);
                if (nul < 0) return false;
                a[i] = body.Slice(start, nul);
                start += nul + 1;
            }
            a[count - 1] = body.Slice(start);
        }
        else
        {
            var rest = body;
            for (var i = 0; i < count - 1; i++)
            {
                var nul = rest.PositionOf((byte)0);
                if (nul is null) return false;
                a[i] = rest.Slice(0, nul.Value);
                rest = rest.Slice(rest.GetPosition(1, nul.Value));
            }
            a[count - 1] = rest;
        }
        args = new PacketArgs(count, a[0], a[1], a[2], a[3], a[4]);
        return true;
    }

    [System.Runtime.CompilerServices.InlineArray(MaxArgs)]
    private struct Slices
    {
        private ReadOnlySequence<byte> _first;
    }
}
