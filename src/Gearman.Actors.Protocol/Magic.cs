namespace Gearman.Actors.Protocol;

/// <summary>The first four bytes of a binary packet: <c>\0REQ</c> towards the server, <c>\0RES</c> from it.</summary>
public enum Magic : byte
{
    Request,
    Response,
}

public static class PacketHeader
{
    public const int Size = 12;

    /// <summary>"\0REQ" and "\0RES" as big-endian integers, so a header's magic is one comparison.</summary>
    internal const uint RequestMagic = 0x00524551;
    internal const uint ResponseMagic = 0x00524553;

    /// <summary>The protocol's own ceiling: the size field is an unsigned 32-bit integer.</summary>
    public const long MaxBodySize = uint.MaxValue;
}
