using System.Diagnostics;
using System.Reflection;

namespace Gearman.Actors.Server;

/// <summary>
/// gearmand's -d: the server starts again as a child in a session of its own, and the first process exits once the
/// child is listening (0), or with the child's exit code if it fails to start. .NET cannot fork, so the child is a
/// new process with the same arguments but -d. Until it listens, the first process passes on what it writes to
/// standard error (why it failed, or warnings); after that the daemon's standard error leads nowhere, as gearmand's
/// does, so its log belongs in a file (-l).
/// </summary>
internal static class Daemon
{
    /// <summary>Set in the child's environment: it is the daemon, and tells its parent on standard output when it listens.</summary>
    public const string ChildVariable = "GEARMAN_ACTORS_DAEMON_CHILD";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);

    public static bool IsChild => Environment.GetEnvironmentVariable(ChildVariable) is not null;

    public static async Task<int> DetachAsync(string[] args)
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("-d: the server's own path is not known");
        var start = new ProcessStartInfo(path)
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardInput = true, RedirectStandardError = true,
        };
        if (Path.GetFileNameWithoutExtension(path) == "dotnet") start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        foreach (var arg in args.Where(a => a is not "-d" and not "--daemon")) start.ArgumentList.Add(arg);
        start.Environment[ChildVariable] = "1";
        using var child = Process.Start(start)!;
        child.StandardInput.Close();
        var relay = Task.Run(async () =>
        {
            while (await child.StandardError.ReadLineAsync() is { } line) await Console.Error.WriteLineAsync(line);
        });
        using var timeout = new CancellationTokenSource(StartTimeout);
        try
        {
            if (await child.StandardOutput.ReadLineAsync(timeout.Token) == "ready") return 0;
            await child.WaitForExitAsync(timeout.Token);
            await relay.WaitAsync(TimeSpan.FromSeconds(5));
            return child.ExitCode == 0 ? 1 : child.ExitCode;
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"gearman-actors: -d: the server did not start listening within {StartTimeout.TotalSeconds:0} s");
            return 1;
        }
    }

    /// <summary>In the child, once the broker listens: the parent may exit.</summary>
    public static void Ready()
    {
        if (!IsChild) return;
        Console.Out.WriteLine("ready");
        Console.Out.Flush();
        Console.SetOut(TextWriter.Null);
    }
}
