using System.Collections.Concurrent;
using System.Diagnostics;

namespace Gearman.Actors.Testing;

/// <summary>
/// The real Gearman programs the tests run: gearmand (gearman-job-server), the <c>gearman</c> and <c>gearadmin</c>
/// tools (gearman-tools), <c>perl</c> with Gearman::Client and Gearman::Worker, <c>php</c> with the gearman
/// extension. A missing one skips its tests with the reason, except on CI (CI=true), where it fails them.
/// </summary>
public static class RealTools
{
    public const string Gearmand = "gearmand";
    public const string Gearman = "gearman";
    public const string Gearadmin = "gearadmin";
    public const string Perl = "perl";
    public const string Php = "php";

    private static readonly ConcurrentDictionary<string, string?> Problems = new();

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Why the tool cannot be used, or null when it can.</summary>
    public static string? Problem(string tool) => Problems.GetOrAdd(tool, Check);

    public static IReadOnlyList<string> Missing(IEnumerable<string> tools) =>
        tools.Select(Problem).Where(p => p is not null).Select(p => p!).ToList();

    /// <summary>
    /// Skips the running test (a <see cref="SkippableFactAttribute"/>) when a tool is missing, or fails it on CI.
    /// </summary>
    public static void Require(params string[] tools)
    {
        var missing = Missing(tools);
        if (missing.Count == 0) return;
        var message = "required tool missing: " + string.Join("; ", missing) +
                      ". Install with: apt-get install -y gearman-job-server gearman-tools libgearman-client-perl php-cli php-gearman";
        if (IsCi) Assert.Fail(message + " (CI=true, so this fails instead of skipping)");
        Skip.If(true, message);
    }

    /// <summary>The path of a program, also looking in the sbin folders that are not on every PATH.</summary>
    public static string? Find(string name)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/usr/local/sbin", "/sbin"]);
        return dirs.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
    }

    private static string? Check(string tool) => tool switch
    {
        Gearmand => Find(Gearmand) is null ? "`gearmand` is not installed (Debian package gearman-job-server)" : null,
        Gearman or Gearadmin => Find(tool) is null ? $"`{tool}` is not on PATH (Debian package gearman-tools)" : null,
        Perl => Find("perl") is null
            ? "`perl` is not on PATH"
            : Runs("perl", "-MGearman::Client", "-MGearman::Worker", "-e", "1")
                ? null
                : "perl lacks Gearman::Client/Gearman::Worker (Debian package libgearman-client-perl)",
        Php => Find("php") is null
            ? "`php` is not on PATH (Debian package php-cli)"
            : Runs("php", "-r", "exit(extension_loaded('gearman') ? 0 : 1);") ? null : "php lacks the gearman extension (Debian package php-gearman)",
        _ => $"unknown tool `{tool}`",
    };

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
