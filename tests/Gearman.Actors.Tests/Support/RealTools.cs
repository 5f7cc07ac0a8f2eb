using System.Collections.Concurrent;
using System.Diagnostics;

namespace Gearman.Actors.Tests.Support;

/// <summary>
/// The real Gearman clients installed on the machine: <c>gearman</c> and <c>gearadmin</c> (gearman-tools),
/// <c>perl</c> with Gearman::Client and Gearman::Worker, <c>php</c> with the gearman extension.
/// </summary>
public static class RealTools
{
    public const string Gearman = "gearman";
    public const string Gearadmin = "gearadmin";
    public const string Perl = "perl";
    public const string Php = "php";

    private static readonly ConcurrentDictionary<string, string?> Problems = new();

    /// <summary>True on CI (CI=true), where a missing tool is a failure rather than a reason to skip.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Why the tool cannot be used, or null when it can.</summary>
    public static string? Problem(string tool) => Problems.GetOrAdd(tool, Check);

    public static IReadOnlyList<string> Missing(IEnumerable<string> tools) =>
        tools.Select(Problem).Where(p => p is not null).Select(p => p!).ToList();

    /// <summary>Fails the test with a clear message when a required tool is missing.</summary>
    public static void Require(params string[] tools)
    {
        var missing = Missing(tools);
        if (missing.Count > 0)
            Assert.Fail("required real client missing" + (IsCi ? " (CI=true, so this fails instead of skipping)" : "") + ": " +
                        string.Join("; ", missing) + ". Install with: apt-get install -y gearman-tools libgearman-client-perl php-cli php-gearman");
    }

    private static string? Check(string tool) => tool switch
    {
        Gearman or Gearadmin => FindOnPath(tool) is null ? $"`{tool}` is not on PATH (Debian package gearman-tools)" : null,
        Perl => FindOnPath("perl") is null
            ? "`perl` is not on PATH"
            : Runs("perl", "-MGearman::Client", "-MGearman::Worker", "-e", "1")
                ? null
                : "perl lacks Gearman::Client/Gearman::Worker (Debian package libgearman-client-perl)",
        Php => FindOnPath("php") is null
            ? "`php` is not on PATH (Debian package php-cli)"
            : Runs("php", "-r", "exit(extension_loaded('gearman') ? 0 : 1);")
                ? null
                : "php lacks the gearman extension (Debian package php-gearman)",
        _ => $"unknown tool `{tool}`",
    };

    public static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    private static bool Runs(string file, params string[] args)
    {
        try
        {
            var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var drain = Task.WhenAll(p.StandardOutput.ReadToEndAsync(), p.StandardError.ReadToEndAsync());
            if (!p.WaitForExit(15_000))
            {
                p.Kill(entireProcessTree: true);
                return false;
            }
            drain.Wait(5_000);
            return p.ExitCode == 0;
        }
        catch (Exception)
        {
            return false;
        }
    }
}
