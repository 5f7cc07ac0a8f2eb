using System.Net;
using System.Net.Sockets;

namespace Gearman.Actors.Tests.Integration;

/// <summary>
/// The server executable (built beside the tests) started on a port that another socket holds: whichever of its two
/// ports is taken, the operator gets one line that names it and the cause, and a non-zero exit.
/// </summary>
public sealed class BusyPortTests
{
    private static readonly string Server = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "gearman-actors.exe" : "gearman-actors");

    [Theory]
    [InlineData("--port", "cannot listen on")]
    [InlineData("--cluster-port", "cannot listen for cluster traffic on")]
    public async Task A_busy_port_ends_the_server_with_one_line_naming_it_and_no_stack_trace(string flag, string expected)
    {
        var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        try
        {
            var port = ((IPEndPoint)holder.LocalEndpoint).Port;
            // The other port is left to the system, so only the one under test can be busy.
            string[] args = flag == "--port"
                ? ["-L", "127.0.0.1", "-q", "builtin", "--port", port.ToString(), "--cluster-port", "0"]
                : ["-L", "127.0.0.1", "-q", "builtin", "--port", "0", "--cluster-port", port.ToString()];
            using var server = ToolProcess.StartProgram(Server, args);
            var result = await server.WaitAsync();

            Assert.True(result.ExitCode == 1, result.ToString());
            var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            // Every other line is a one-line logfmt record; an unhandled exception would add its own lines of trace.
            var plain = lines.Where(l => !l.StartsWith("ts=", StringComparison.Ordinal)).ToList();
            Assert.True(plain.Count == 1, result.ToString());
            Assert.Equal($"gearman-actors: {expected} 127.0.0.1:{port}: {new SocketException((int)SocketError.AddressAlreadyInUse).Message}", plain[0]);
            Assert.Equal("", result.Stdout);
        }
        finally
        {
            holder.Stop();
        }
    }
}
