using System.Buffers.Binary;
using System.Text;
using Gearman.Actors.Protocol;

namespace Gearman.Actors.Benchmarks;

/// <summary>Raw wire bytes of typical packets, built by hand (not with <see cref="PacketWriter"/>).</summary>
internal static class Wire
{
    public const string Function = "gb.bench.12345.1700000000";
    public const string Handle = "H:bench-host:1234567";
    public const string Unique = "unique-0000000042";

    /// <summary>A 64-byte payload, gearbench's default size.</summary>
    public static readonly byte[] Payload64 = Enumerable.Range(0, 64).Select(i => (byte)('a' + i % 26)).ToArray();

    public static byte[] Packet(Magic magic, PacketType type, params byte[][] args)
    {
        var size = args.Sum(a => a.Length) + Math.Max(0, args.Length - 1);
        var packet = new byte[PacketHeader.Size + size];
        Encoding.ASCII.GetBytes(magic == Magic.Request ? "\0REQ" : "\0RES").CopyTo(packet, 0);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), (uint)type);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), (uint)size);
        var at = PacketHeader.Size;
        for (var i = 0; i < args.Length; i++)
        {
            args[i].CopyTo(packet, at);
            at += args[i].Length;
            if (i < args.Length - 1) packet[at++] = 0;
        }
        return packet;
    }

    public static byte[] Text(string s) => Encoding.Latin1.GetBytes(s);

    public static byte[] Concat(IEnumerable<byte[]> parts) => parts.SelectMany(p => p).ToArray();

    public static readonly byte[] SubmitJobBg = Packet(Magic.Request, PacketType.SubmitJobBg, Text(Function), Text(""), Payload64);
    public static readonly byte[] GrabJobUniq = Packet(Magic.Request, PacketType.GrabJobUniq);
    public static readonly byte[] JobAssignUniq = Packet(Magic.Response, PacketType.JobAssignUniq, Text(Handle), Text(Function), Text(Unique), Payload64);
    public static readonly byte[] WorkComplete = Packet(Magic.Request, PacketType.WorkComplete, Text(Handle), Payload64);
    public static readonly byte[] EchoReq = Packet(Magic.Request, PacketType.EchoReq, Payload64);
}
