using System.Buffers;

namespace Gearman.Actors.Protocol;

public enum FrameKind : byte
{
    /// <summary>A complete binary packet of a known type.</summary>
    Packet,
    /// <summary>A header with a type outside 1..42; its body is skipped by the decoder.</summary>
    UnknownCommand,
    /// <summary>One admin text line, without its line ending.</summary>
    TextLine,
    /// <summary>The stream cannot be framed any further; the connection should be closed.</summary>
    Fatal,
}

public enum FatalReason : byte
{
    None,
    BadMagic,
    PacketTooLarge,
    LineTooLong,
}

/// <summary>One unit of input: a packet, a text line, or the reason framing stopped.</summary>
public readonly struct Frame
{
    public FrameKind Kind { get; }
    public Magic Magic { get; }
    public uint RawType { get; }
    public ReadOnlySequence<byte> Body { get; }
    public string? Line { get; }
    public FatalReason Fatal { get; }

    private Frame(FrameKind kind, Magic magic, uint rawType, ReadOnlySequence<byte> body, string? line, FatalReason fatal)
    {
        Kind = kind;
        Magic = magic;
        RawType = rawType;
        Body = body;
        Line = line;
        Fatal = fatal;
    }

    public PacketType Type => (PacketType)RawType;

    public static Frame Packet(Magic magic, uint type, ReadOnlySequence<byte> body) =>
        new(FrameKind.Packet, magic, type, body, null, FatalReason.None);

    public static Frame Unknown(Magic magic, uint type) =>
        new(FrameKind.UnknownCommand, magic, type, ReadOnlySequence<byte>.Empty, null, FatalReason.None);

    public static Frame Text(string line) =>
        new(FrameKind.TextLine, Magic.Request, 0, ReadOnlySequence<byte>.Empty, line, FatalReason.None);

    public static Frame Failed(FatalReason reason) =>
        new(FrameKind.Fatal, Magic.Request, 0, ReadOnlySequence<byte>.Empty, null, reason);

    public override string ToString() => Kind switch
    {
        FrameKind.Packet => $"{Magic} {Type} ({Body.Length} bytes)",
        FrameKind.UnknownCommand => $"unknown command {RawType}",
        FrameKind.TextLine => $"text \"{Line}\"",
        _ => $"fatal {Fatal}",
    };
}
