using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Gearman.Actors.Protocol;

/// <summary>
/// Incremental decoder for one connection's byte stream, which may arrive split at any byte.
/// Per gearmand, a unit that starts with NUL is a binary packet and anything else is one admin text line,
/// and the two may alternate. The decoder never allocates for a declared size, only for bytes received.
/// </summary>
public sealed class FrameDecoder
{
    private enum State : byte { Start, Header, Body, SkipBody, Line, Failed }

    private readonly long _maxBodySize;
    private readonly int _maxLineLength;
    private readonly byte[] _header = new byte[PacketHeader.Size];
    private readonly BodyBuffer _body = new();
    private byte[] _line = Array.Empty<byte>();   // the text line so far; grows with the bytes received
    private int _lineLength;
    private State _state = State.Start;
    private int _headerFill;
    private Magic _magic;
    private uint _type;
    private long _skipRemaining;

    public FrameDecoder(long maxBodySize = PacketHeader.MaxBodySize, int maxLineLength = 64 * 1024)
    {
        if (maxBodySize is < 0 or > PacketHeader.MaxBodySize) throw new ArgumentOutOfRangeException(nameof(maxBodySize));
        _maxBodySize = maxBodySize;
        _maxLineLength = maxLineLength;
    }

    /// <summary>True while the decoder holds part of a unit that has not yet been completed.</summary>
    public bool HasPartialFrame => _state is not (State.Start or State.Failed);

    /// <summary>
    /// Consumes bytes from <paramref name="input"/> until a frame completes (true) or the input runs out (false).
    /// After a <see cref="FrameKind.Fatal"/> frame every later call returns false and consumes nothing useful.
    /// </summary>
    public bool TryDecode(ref ReadOnlySpan<byte> input, out Frame frame)
    {
        while (true)
        {
            switch (_state)
            {
                case State.Failed:
                    input = ReadOnlySpan<byte>.Empty;
                    frame = default;
                    return false;

                case State.Start:
                    if (input.IsEmpty) { frame = default; return false; }
                    _state = input[0] == 0 ? State.Header : State.Line;
                    _headerFill = 0;
                    _lineLength = 0;
                    continue;

                case State.Header:
                {
                    var n = Math.Min(input.Length, PacketHeader.Size - _headerFill);
                    input[..n].CopyTo(_header.AsSpan(_headerFill));
                    input = input[n..];
                    _headerFill += n;
                    if (_headerFill < PacketHeader.Size) { frame = default; return false; }
                    if (OnHeader(out frame)) return true;
                    continue;
                }

                case State.Body:
                {
                    var n = _body.Fill(input);
                    input = input[n..];
                    if (_body.Remaining > 0) { frame = default; return false; }
                    _state = State.Start;
                    frame = Frame.Packet(_magic, _type, _body.Complete());
                    return true;
                }

                case State.SkipBody:
                {
                    var n = (int)Math.Min(input.Length, _skipRemaining);
                    input = input[n..];
                    _skipRemaining -= n;
                    if (_skipRemaining > 0) { frame = default; return false; }
                    _state = State.Start;
                    continue;
                }

                case State.Line:
                {
                    var nl = input.IndexOf((byte)'\n');
                    var take = nl < 0 ? input.Length : nl;
                    // One byte of slack for the "\r" of a "\r\n" ending, which is not part of the line.
                    var length = _lineLength + take;
                    var tooLong = length > _maxLineLength + 1 ||
                                  (length == _maxLineLength + 1 && nl >= 0 && LastLineByte(input, take) != (byte)'\r');
                    if (tooLong)
                    {
                        _state = State.Failed;
                        frame = Frame.Failed(FatalReason.LineTooLong);
                        return true;
                    }
                    if (nl >= 0 && _lineLength == 0)
                    {
                        // The whole line is in this read: no copy.
                        input = Complete(input, take, out frame);
                        return true;
                    }
                    AppendLine(input[..take]);
                    if (nl < 0) { input = ReadOnlySpan<byte>.Empty; frame = default; return false; }
                    input = Complete(input, take, out frame);
                    return true;
                }
            }
        }
    }

    private bool OnHeader(out Frame frame)
    {
        var magic = BinaryPrimitives.ReadUInt32BigEndian(_header);
        var type = BinaryPrimitives.ReadUInt32BigEndian(_header.AsSpan(4));
        long size = BinaryPrimitives.ReadUInt32BigEndian(_header.AsSpan(8));
        if (magic is not (PacketHeader.RequestMagic or PacketHeader.ResponseMagic))
        {
            _state = State.Failed;
            frame = Frame.Failed(FatalReason.BadMagic);
            return true;
        }
        _magic = magic == PacketHeader.RequestMagic ? Magic.Request : Magic.Response;
        if (!PacketTypes.IsKnown(type))
        {
            // The size is still trustworthy, so the body can be skipped and the connection kept.
            _skipRemaining = size;
            _state = size > 0 ? State.SkipBody : State.Start;
            frame = Frame.Unknown(_magic, type);
            return true;
        }
        if (size > _maxBodySize)
        {
            _state = State.Failed;
            frame = Frame.Failed(FatalReason.PacketTooLarge);
            return true;
        }
        _type = type;
        if (size == 0)
        {
            _state = State.Start;
            frame = Frame.Packet(_magic, type, ReadOnlySequence<byte>.Empty);
            return true;
        }
        _body.Start(size);
        _state = State.Body;
        frame = default;
        return false;
    }

    private byte LastLineByte(ReadOnlySpan<byte> input, int take) =>
        take > 0 ? input[take - 1] : _lineLength > 0 ? _line[_lineLength - 1] : (byte)0;

    private void AppendLine(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return;
        var needed = _lineLength + bytes.Length;
        if (needed > _line.Length)
        {
            // Doubling, capped by the longest line accepted (plus its "\r"); a line never exceeds that here.
            var size = (int)Math.Max(needed, Math.Min(Math.Max(256L, _line.Length * 2L), _maxLineLength + 1L));
            Array.Resize(ref _line, size);
        }
        bytes.CopyTo(_line.AsSpan(_lineLength));
        _lineLength = needed;
    }

    /// <summary>Ends the line whose "\n" is at <paramref name="nl"/> in <paramref name="input"/>; returns the input after it.</summary>
    private ReadOnlySpan<byte> Complete(ReadOnlySpan<byte> input, int nl, out Frame frame)
    {
        ReadOnlySpan<byte> line = _lineLength == 0 ? input[..nl] : _line.AsSpan(0, _lineLength);
        if (!line.IsEmpty && line[^1] == (byte)'\r') line = line[..^1];
        frame = Frame.Text(TextLine(line));
        _lineLength = 0;
        if (_line.Length > 4096) _line = Array.Empty<byte>();   // a long line's buffer is not kept for the connection's life
        _state = State.Start;
        return input[(nl + 1)..];
    }

    /// <summary>
    /// The line as a Latin-1 string. The lines monitoring tools send over and over (gearadmin --status and the like)
    /// are answered with one shared string each, so polling a server does not allocate.
    /// </summary>
    private static string TextLine(ReadOnlySpan<byte> line)
    {
        if (line.IsEmpty) return string.Empty;
        foreach (var known in KnownLines)
            if (line.Length == known.Length && Ascii.Equals(line, known)) return known;
        return Encoding.Latin1.GetString(line);
    }

    private static readonly string[] KnownLines =
        ["status", "workers", "version", "getpid", "prioritystatus", "show jobs", "show unique jobs", "verbose"];
}
