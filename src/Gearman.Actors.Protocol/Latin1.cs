using System.Buffers;
using System.Text;

namespace Gearman.Actors.Protocol;

/// <summary>
/// Names, uniques and handles are byte strings on the wire. Latin-1 maps each byte to one char and back,
/// so they can be held as .NET strings (dictionary keys, entity ids) without losing any byte.
/// </summary>
public static class Latin1
{
    public static string GetString(in ReadOnlySequence<byte> bytes)
    {
        if (bytes.IsEmpty) return string.Empty;
        if (bytes.IsSingleSegment) return Encoding.Latin1.GetString(bytes.FirstSpan);
        // One char per byte: widen each segment straight into the new string, with no copy of the bytes.
        return string.Create(checked((int)bytes.Length), bytes, static (chars, seq) =>
        {
            foreach (var segment in seq)
                chars = chars[Encoding.Latin1.GetChars(segment.Span, chars)..];
        });
    }

    public static string GetString(ReadOnlySpan<byte> bytes) => bytes.IsEmpty ? string.Empty : Encoding.Latin1.GetString(bytes);

    public static byte[] GetBytes(string text) => Encoding.Latin1.GetBytes(text);

    public static int Write(string text, Span<byte> destination) => Encoding.Latin1.GetBytes(text, destination);
}
