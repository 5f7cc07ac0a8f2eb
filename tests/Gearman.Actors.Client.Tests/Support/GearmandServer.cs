using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Gearman.Actors.Client.Tests.Support;

/// <summary>
/// gearmand as a child process (<c>gearmand -L 127.0.0.1 -p PORT -l stderr</c>), one per test class. When gearmand
/// is not installed nothing starts, and every test calls <see cref="RequireAvailable"/> first.
/// </summary>
public sealed class GearmandServer : IGearmanServer, IAsyncLifetime
{
    private Process? _process;
    private readonly StringBuilder _log = new();

    public string Name => "gearmand";
    public string Host => "127.0.0.1";
    public int Port { get; } = ServerAdmin.FreePort();

    public void RequireAvailable() => RealTools.Require(RealTools.Gearmand);

    public async Task InitializeAsync()
    {
        if (RealTools.Problem(RealTools.Gearmand) is null) await StartAsync();
    }

    public async Task StartAsync()
    {
        var psi = new ProcessStartInfo(RealTools.Find(RealTools.Gearmand)!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-L", Host, "-p", Port.ToString(), "-l", "stderr", "--verbose", "WARNING" }) psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await WaitUntilListeningAsync(process);
    }

    /// <summary>Connects until gearmand accepts; each try is a real connect attempt, so the loop paces itself.</summary>
    private async Task WaitUntilListeningAsync(Process process)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"gearmand exited with {process.ExitCode}:\n{Log}");
            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(Host, Port).WaitAsync(TimeSpan.FromSeconds(5));
                return;
            }
            catch (Exception) when (clock.Elapsed < Waits.Long)
            {
                // Not listening yet. gearmand announces nothing when it starts listening, so this polls, pausing
                // between tries (or until it exits) to let the process make progress rather than spin.
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMilliseconds(50)).ContinueWith(_ => { });
            }
        }
    }

    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    public async Task StopAsync()
    {
        if (_process is not { } p) return;
        _process = null;
        if (!p.HasExited) p.Kill(entireProcessTree: true);
        await p.WaitForExitAsync().WaitAsync(Waits.Long);
        p.Dispose();
    }

    public Task DisposeAsync() => StopAsync();
}
