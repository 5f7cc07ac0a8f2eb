using System.Globalization;

namespace Gearman.Actors.Client;

/// <summary>A Gearman job server: host name or IP address, and TCP port (4730 by default, the IANA port).</summary>
public readonly record struct ServerAddress
{
    /// <summary>The IANA-assigned Gearman port.</summary>
    public const int DefaultPort = 4730;

    public ServerAddress(string host, int port = DefaultPort)
    {
        if (string.IsNullOrWhiteSpace(host)) throw new ArgumentException("host is empty", nameof(host));
        if (port is < 1 or > 65535) throw new ArgumentOutOfRangeException(nameof(port), port, "port must be 1..65535");
        Host = host;
        Port = port;
    }

    public string Host { get; }
    public int Port { get; }

    /// <summary>
    /// Parses <c>host</c>, <c>host:port</c>, <c>[ipv6]</c> or <c>[ipv6]:port</c>, the forms gearman tools accept.
    /// </summary>
    public static ServerAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Trim();
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']');
            if (close < 0) throw new FormatException($"'{text}': missing ']'");
            var host6 = text[1..close];
            var rest = text[(close + 1)..];
            if (rest.Length == 0) return new ServerAddress(host6);
            if (rest[0] != ':') throw new FormatException($"'{text}': expected ':' after ']'");
            return new ServerAddress(host6, ParsePort(text, rest[1..]));
        }
        var colon = text.LastIndexOf(':');
        // More than one colon without brackets is a bare IPv6 address.
        if (colon < 0 || text.IndexOf(':') != colon) return new ServerAddress(text);
        return new ServerAddress(text[..colon], ParsePort(text, text[(colon + 1)..]));
    }

    private static int ParsePort(string text, string port) =>
        int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is >= 1 and <= 65535
            ? p
            : throw new FormatException($"'{text}': bad port '{port}'");

    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
