using System.Buffers;

namespace Gearman.Actors.Net;

/// <summary>Packets a connection produces by itself, held as values while earlier replies are outstanding.</summary>
internal static class Outputs
{
    internal sealed record Error(string Code, string Text);

    internal sealed record Echo(ReadOnlySequence<byte> Data);

    internal sealed record OptionAccepted(string Name);

    internal sealed class Noop
    {
        public static readonly Noop Instance = new();
    }

    /// <summary>Admin text written as it is.</summary>
    internal sealed record Text(string Value);
}
