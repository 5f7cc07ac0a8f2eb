using System.Diagnostics;
using Gearman.Actors.Tests.Support;
using Gearman.Actors.Testing;

namespace Gearman.Actors.Tests.Integration;

/// <summary>
/// gearmand's command lines start the server executable unchanged: the flags with a meaning here are mapped, those
/// without are warned about and never refused, except --ssl, which would otherwise serve in clear.
/// </summary>
public sealed class GearmandCommandLineTests : IDisposable
{
    private static readonly string Server = Path.Combine(AppContext.BaseDirectory, "gearman-actors");

    private readonly string _dir = System.IO.Directory.CreateTempSubdirectory("gearmand-line-").FullName;
    private readonly List<int> _daemons = new();

    public void Dispose()
    {
        foreach (var pid in _daemons)
            try { Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { } catch (InvalidOperationException) { }
        System.IO.Directory.Delete(_dir, recursive: true);
    }


    /// <summary>A distribution's unit line: daemon, pid file, log file, the libsqlite3 store and flags without meaning here.</summary>
    private string[] UnitLine(int port) =>
    [
        "-d", "-P", Path.Combine(_dir, "gearmand.pid"), "-l", Path.Combine(_dir, "gearmand.log"), "-L", "127.0.0.1", "-p", port.ToString(),
        "-q", "libsqlite3", $"--libsqlite3-db={Path.Combine(_dir, "jobs.db")}", "--libsqlite3-table", "gearman_queue",
        "--store-queue-on-shutdown", "--hashtable-buckets", "991", "--coredump", "-t", "4", "-f", "4096",
        "--keepalive", "--keepalive-idle", "60", "--keepalive-interval", "10", "--keepalive-count", "3", "--job-retries", "0",
        "--verbose", "INFO", "--no-such-gearmand-flag",
    ];

    /// <summary>Starts the daemon; the first process exits once the daemon listens. Returns the daemon's pid and its warnings.</summary>
    private async Task<(int Pid, string Stderr)> StartDaemonAsync(int port)
    {
        using var first = ToolProcess.StartProgram(Server, UnitLine(port));
        var result = await first.WaitAsync(TimeSpan.FromSeconds(120));
        Assert.True(result.ExitCode == 0, result.ToString());
        var pid = int.Parse(File.ReadAllText(Path.Combine(_dir, "gearmand.pid")).Trim());
        _daemons.Add(pid);
        return (pid, result.Stderr);
    }

    [Fact]
    public async Task A_distributions_gearmand_line_starts_a_daemon_that_keeps_its_jobs_in_the_libsqlite3_file_across_SIGKILL()
    {
        var port = Ports.Free();
        var (pid, stderr) = await StartDaemonAsync(port);

        Assert.Contains("warning: ignoring --hashtable-buckets", stderr);
        Assert.Contains("warning: ignoring arguments not understood: --no-such-gearmand-flag", stderr);
        Assert.True(File.Exists(Path.Combine(_dir, "jobs.db")), "the store is the --libsqlite3-db file");
        await using (var client = await GearmanTestClient.ConnectAsync("127.0.0.1", port, "client"))
            for (var i = 0; i < 3; i++) await client.SubmitAsync(Cmd.SubmitJobBg, "unit_fn", "", "job" + i);

        Process.GetProcessById(pid).Kill();
        await Process.GetProcessById(pid).WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("event=started", File.ReadAllText(Path.Combine(_dir, "gearmand.log")));

        await StartDaemonAsync(port);
        await using var worker = await GearmanTestClient.ConnectAsync("127.0.0.1", port, "worker");
        worker.Send(Cmd.CanDo, "unit_fn");
        var data = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var job = await worker.GrabAsync(timeout: TimeSpan.FromSeconds(30));
            data.Add(job.Text(2));
            worker.Send(Cmd.WorkComplete, job.Text(0), "");
        }
        Assert.Equal(new[] { "job0", "job1", "job2" }, data.Order());
    }

    [Fact]
    public async Task Dash_V_prints_the_version()
    {
        var result = (await ToolProcess.StartProgram(Server, "-V").WaitAsync()).Succeeded();
        Assert.Matches(@"^\d+\.\d+", result.Stdout.Trim());
    }

    [Fact]
    public async Task GEARMAND_PORT_is_the_default_port_and_dash_l_none_writes_no_file()
    {
        var port = Ports.Free();
        var (server, started) = await StartListeningAsync(["-L", "127.0.0.1", "-q", "builtin", "-l", "none"], ("GEARMAND_PORT", port.ToString()));
        using (server)
        {
            // The server says where it listens on standard error; the port is the one in the environment.
            Assert.Contains($":{port}", started);
            await using var client = await GearmanTestClient.ConnectAsync("127.0.0.1", port);
            Assert.False(File.Exists(Path.Combine(_dir, "none")), "-l none must not create a file named none");
        }
    }

    [PostgresFact]
    public async Task Dash_q_Postgres_with_a_libpq_conninfo_keeps_jobs_in_PostgreSQL()
    {
        // GEARMAN_TEST_POSTGRES is an Npgsql string (Host=…;Port=…;Username=…;Database=…); gearmand's units give libpq's.
        var npgsql = new Npgsql.NpgsqlConnectionStringBuilder(PostgresFactAttribute.ConnectionString ?? throw new InvalidOperationException("GEARMAN_TEST_POSTGRES is not set"));
        var conninfo = $"host={npgsql.Host} port={npgsql.Port} dbname={npgsql.Database} user={npgsql.Username}" +
                       (string.IsNullOrEmpty(npgsql.Password) ? "" : $" password='{npgsql.Password}'");
        var port = Ports.Free();
        var function = "libpq_fn_" + Guid.NewGuid().ToString("N");
        string[] line = ["-L", "127.0.0.1", "-p", port.ToString(), "-q", "Postgres", "--libpq-conninfo", conninfo, "--libpq-table", "queue"];
        var (server, _) = await StartListeningAsync(line);
        using (server)
        {
            await using var client = await GearmanTestClient.ConnectAsync("127.0.0.1", port);
            await client.SubmitAsync(Cmd.SubmitJobBg, function, "", "kept");
            server.Kill();
            await server.WaitForExitAsync();
        }
        var (again, _) = await StartListeningAsync(line);
        using (again)
        {
            await using var worker = await GearmanTestClient.ConnectAsync("127.0.0.1", port);
            worker.Send(Cmd.CanDo, function);
            var job = await worker.GrabAsync(timeout: TimeSpan.FromSeconds(30));
            Assert.Equal("kept", job.Text(2));
            worker.Send(Cmd.WorkComplete, job.Text(0), "");
            again.Kill();
        }
    }

    /// <summary>
    /// Starts the server in the foreground and returns once it logs <c>event=started</c> (it listens then), with that
    /// line; the caller kills it (SIGKILL).
    /// </summary>
    private async Task<(Process Server, string Started)> StartListeningAsync(string[] args, (string Name, string Value)? env = null)
    {
        var start = new ProcessStartInfo(Server) { RedirectStandardError = true, WorkingDirectory = _dir };
        foreach (var a in args) start.ArgumentList.Add(a);
        if (env is { } e) start.Environment[e.Name] = e.Value;
        var server = Process.Start(start)!;
        string? line;
        while ((line = await server.StandardError.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60))) is not null && !line.Contains("event=started")) { }
        if (line is null)
        {
            server.Dispose();
            Assert.Fail("the server exited before it listened");
        }
        // Keep reading, so that its logging never blocks on a full pipe.
        _ = server.StandardError.ReadToEndAsync();
        return (server, line!);
    }

    [Theory]
    [InlineData("--ssl", "TLS is not supported yet")]
    [InlineData("-q redis", "queue type \"redis\" is not supported")]
    public async Task What_cannot_be_honoured_is_refused_with_one_line(string flags, string expected)
    {
        var result = await ToolProcess.StartProgram(Server, ["-L", "127.0.0.1", "-p", "0", .. flags.Split(' ')]).WaitAsync();
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Stderr);
    }
}
