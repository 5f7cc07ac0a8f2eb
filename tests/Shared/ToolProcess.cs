using System.Diagnostics;

namespace Gearman.Actors.Testing;

public sealed record ToolResult(string Command, int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"`{Command}` exited {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";

    /// <summary>Asserts exit code 0, showing the output when it is not.</summary>
    public ToolResult Succeeded()
    {
        Assert.True(ExitCode == 0, ToString());
        return this;
    }
}

/// <summary>
/// A real client program run as a child process: output captured, every wait bounded, and the process (tree) killed
/// on dispose if it is still running.
/// </summary>
public sealed class ToolProcess : IDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;

    private ToolProcess(Process process, string command)
    {
        _process = process;
        Command = command;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public string Command { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <paramref name="tool"/> (one of <see cref="RealTools"/>' names) after checking it is usable.</summary>
    public static ToolProcess Start(string tool, params string[] args)
    {
        RealTools.Require(tool);
        return StartProgram(RealTools.Find(tool) ?? tool, args);
    }

    /// <summary>Starts a program by its path, such as the server executable built beside the tests.</summary>
    public static ToolProcess StartProgram(string path, params string[] args)
    {
        var psi = new ProcessStartInfo(path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {path}");
        process.StandardInput.Close();
        return new ToolProcess(process, Path.GetFileName(path) + " " + string.Join(" ", args));
    }

    /// <summary>Runs a tool to its end and returns its exit code and output.</summary>
    public static async Task<ToolResult> RunAsync(string tool, params string[] args)
    {
        using var p = Start(tool, args);
        return await p.WaitAsync();
    }

    /// <summary>Waits for the process to exit; on timeout kills it and fails with what it printed so far.</summary>
    public async Task<ToolResult> WaitAsync(TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        using var cts = new CancellationTokenSource(limit);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            var outputs = await Task.WhenAll(_stdout, _stderr).WaitAsync(TimeSpan.FromSeconds(10));
            return new ToolResult(Command, _process.ExitCode, outputs[0], outputs[1]);
        }
        catch (OperationCanceledException)
        {
            Kill();
            var stdout = _stdout.Wait(TimeSpan.FromSeconds(5)) ? _stdout.Result : "";
            var stderr = _stderr.Wait(TimeSpan.FromSeconds(5)) ? _stderr.Result : "";
            throw new TimeoutException($"`{Command}` did not exit within {limit.TotalSeconds:0} s\n--- stdout\n{stdout}\n--- stderr\n{stderr}");
        }
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5_000);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
