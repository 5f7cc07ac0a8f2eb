using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Gearman.Actors.Client.Tests.Support;

/// <summary>A job server the tests run against, which they can stop and start again on the same port.</summary>
public interface IGearmanServer
{
    string Name { get; }
    string Host { get; }
    int Port { get; }
    string Address => $"{Host}:{Port}";

    /// <summary>Skips (or on CI fails) the test when the server's program is not installed.</summary>
    void RequireAvailable();

    Task StopAsync();

    /// <summary>Starts again on the same port; returns once it accepts connections.</summary>
    Task StartAsync();
}

public static class ServerAdmin
{
    /// <summary>A port nothing listens on right now.</summary>
    public static int FreePort() => Gearman.Actors.Testing.Ports.Free();

    /// <summary>
    /// One admin text command (for example <c>status</c>) and its reply lines up to the closing ".".
    /// Independent of the library under test, so it can check what the library did.
    /// </summary>
    public static async Task<List<string>> AdminAsync(IGearmanServer server, string command)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port).WaitAsync(Waits.Long);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\n"));
        using var reader = new StreamReader(stream, Encoding.Latin1);
        var lines = new List<string>();
        while (true)
        {
            var line = await reader.ReadLineAsync().WaitAsync(Waits.Long)
                       ?? throw new EndOfStreamException($"`{command}` reply ended early");
            if (line == ".") return lines;
            lines.Add(line);
        }
    }

    /// <summary>The `status` line of one function as (total, running, workers); zeros when it is not listed.</summary>
    public static async Task<(int Total, int Running, int Workers)> StatusAsync(IGearmanServer server, string function)
    {
        foreach (var line in await AdminAsync(server, "status"))
        {
            var f = line.Split('\t');
            if (f[0] == function) return (int.Parse(f[1]), int.Parse(f[2]), int.Parse(f[3]));
        }
        return (0, 0, 0);
    }
}
