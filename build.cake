// Build, test, conformance and benchmark targets for Gearman.Actors.
//
//   dotnet tool restore
//   dotnet cake --target=Test            # default: build, then run every test project
//   dotnet cake --target=Conformance     # ../shared/conformance against the built server
//   dotnet cake --target=ClusterKill     # three-node cluster: conformance on one node, SIGKILL of another under load
//   dotnet cake --target=Pack            # NuGet packages (codec, client, broker, hosting) into artifacts/packages
//   dotnet cake --target=Bench --rounds=3 --bench-out=docs/bench-results.txt
//   dotnet cake --target=ScaleOut --quota=0.5 --nodes=3 --rounds=2   # N nodes against one under a CPU quota (root)
//
// Everything this script writes goes under TestResults/ (ignored by git), except Pack (artifacts/, ignored too),
// Bench (--bench-out and the generated section of docs/benchmarks.md) and ScaleOut (its generated section there).

using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using System.Xml.Linq;

var target        = Argument("target", "Test");
var configuration = Argument("configuration", "Release");
var sharedDir     = MakeAbsolute(Directory(Argument("shared", "../shared")));
var host          = "127.0.0.1";
var serverPort    = Argument("port", 4799);           // preferred; another free port is used if taken
var gearmandPort  = Argument("gearmand-port", 4798);
var testHangTimeout = Argument("test-hang-timeout", "5m");   // per test, dotnet test --blame-hang-timeout
var rounds        = Argument("rounds", 3);
var benchQuick    = HasArgument("bench-quick");       // run-suite.sh --quick
var benchOut      = MakeAbsolute(File(Argument("bench-out", "docs/bench-results.txt")));
var clusterVictim = Argument("cluster-victim", "c");  // ClusterKill: the node to SIGKILL (a, b or c)
// ClusterKillDurable: connection string of a PostgreSQL database the three nodes share.
var postgres      = Argument("postgres", EnvironmentVariable("GEARMAN_TEST_POSTGRES") ?? "");
var benchStore    = Argument("bench-store", "builtin");  // Bench: our job store, builtin to match gearmand's default

var root          = MakeAbsolute(Directory("."));
var solution      = root.CombineWithFilePath("Gearman.Actors.sln");
var resultsDir    = root.Combine("TestResults");
var serverProject = root.Combine("src/Gearman.Actors.Server");

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

// The apphost built by the Build target (src/Gearman.Actors.Server/bin/<configuration>/<tfm>/gearman-actors).
FilePath ServerBinary()
{
    var found = GetFiles($"{serverProject}/bin/{configuration}/*/gearman-actors");
    if (found.Count == 0)
        throw new Exception($"gearman-actors not found under {serverProject}/bin/{configuration}; run the Build target");
    return found.First();
}

// The preferred port if nothing listens on it, else one the kernel hands out.
int FreePort(int preferred)
{
    foreach (var port in new[] { preferred, 0 })
    {
        try
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            var chosen = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return chosen;
        }
        catch (SocketException) { }
    }
    throw new Exception("no free TCP port on 127.0.0.1");
}

// A server started by this script. Servers run as System.Diagnostics.Process rather than Cake's
// IProcess: IProcess exposes no process id (run-suite.sh needs it) and its WaitForExit(ms) kills the
// process when the time runs out, so it cannot be polled.
class Server
{
    public string Name;
    public System.Diagnostics.Process Process;
    public int Port;
    public int Pid => Process.Id;
}

// Polls until HOST:PORT accepts a TCP connection; fails early if the process exits first.
void WaitForListener(Server server, TimeSpan limit)
{
    var deadline = DateTime.UtcNow + limit;
    while (DateTime.UtcNow < deadline)
    {
        if (server.Process.HasExited)
            throw new Exception($"{server.Name} exited with code {server.Process.ExitCode} before it listened on {host}:{server.Port}");
        try
        {
            using var client = new TcpClient();
            if (client.ConnectAsync(host, server.Port).Wait(1000) && client.Connected) return;
        }
        catch (Exception) { }
        System.Threading.Thread.Sleep(200);
    }
    throw new Exception($"{server.Name} did not accept a connection on {host}:{server.Port} within {limit.TotalSeconds:0} s");
}

// Starts BINARY ARGS (standard output and error go to ours) and waits up to 30 s until it accepts
// connections on PORT. A server that does not come up is stopped before the exception leaves.
Server StartServer(string name, FilePath binary, ProcessArgumentBuilder args, int port)
{
    Information($"Starting {name}: {binary} {args.Render()}");
    var info = new System.Diagnostics.ProcessStartInfo(binary.FullPath, args.Render())
    {
        UseShellExecute = false,
        WorkingDirectory = root.FullPath,
    };
    var server = new Server { Name = name, Port = port, Process = System.Diagnostics.Process.Start(info) };
    try
    {
        WaitForListener(server, TimeSpan.FromSeconds(30));
    }
    catch
    {
        StopServer(server);
        throw;
    }
    Information($"{name} (pid {server.Pid}) accepts connections on {host}:{port}");
    return server;
}

// The job store lives next to the log (a fresh one per start), so runs never share state.
Server StartOurServer(int port, FilePath logFile, string store) =>
    StartServer("gearman-actors", ServerBinary(),
        new ProcessArgumentBuilder().Append("-L").Append(host).Append("-p").Append(port.ToString())
                                    .Append("-l").AppendQuoted(logFile.FullPath)
                                    .Append("-q").Append(store)
                                    .Append("--data-dir").AppendQuoted(FreshDir(logFile.GetDirectory().Combine(logFile.GetFilenameWithoutExtension() + "-data")).FullPath),
        port);

DirectoryPath FreshDir(DirectoryPath dir)
{
    if (DirectoryExists(dir)) DeleteDirectory(dir, new DeleteDirectorySettings { Recursive = true, Force = true });
    return dir;
}

// SIGTERM, up to 30 s for a clean exit, then SIGKILL. Safe to call with null or an exited server.
void StopServer(Server server)
{
    if (server == null) return;
    using var process = server.Process;
    if (process.HasExited) return;
    var stopwatch = System.Diagnostics.Stopwatch.StartNew();
    StartProcess("kill", new ProcessSettings { Arguments = $"-TERM {server.Pid}", Silent = true });
    if (!process.WaitForExit(30_000))
    {
        Warning($"{server.Name} (pid {server.Pid}) still running 30 s after SIGTERM; killing it");
        process.Kill(entireProcessTree: true);
        process.WaitForExit(5_000);
    }
    Information($"{server.Name} (pid {server.Pid}) stopped in {stopwatch.Elapsed.TotalSeconds:0.0} s (exit code {process.ExitCode})");
}

// Runs a command, echoes its standard output line by line as it comes, and returns (exit code, lines).
(int ExitCode, List<string> Lines) RunEchoed(FilePath file, ProcessArgumentBuilder args, IDictionary<string, string> env = null)
{
    var lines = new List<string>();
    var settings = new ProcessSettings
    {
        Arguments = args,
        WorkingDirectory = root,
        RedirectStandardOutput = true,
        RedirectedStandardOutputHandler = line =>
        {
            if (line != null) { Console.WriteLine(line); lock (lines) lines.Add(line); }
            return null;   // already printed and kept
        },
    };
    if (env != null) settings.EnvironmentVariables = env;
    var exitCode = StartProcess(file, settings);
    lock (lines) return (exitCode, new List<string>(lines));
}

// The last "N passed, N failed" line of a conformance run.
(int Passed, int Failed)? Summary(IEnumerable<string> lines)
{
    var summary = lines.Select(l => Regex.Match(l, @"^\s*(\d+) passed, (\d+) failed"))
                       .LastOrDefault(m => m.Success);
    return summary == null ? null : (int.Parse(summary.Groups[1].Value), int.Parse(summary.Groups[2].Value));
}

// ---------------------------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------------------------

Task("Clean")
    .Does(() =>
{
    CleanDirectories($"{root}/src/**/bin/{configuration}");
    CleanDirectories($"{root}/src/**/obj/{configuration}");
    CleanDirectories($"{root}/tests/**/bin/{configuration}");
    CleanDirectories($"{root}/tests/**/obj/{configuration}");
    CleanDirectory(resultsDir);
});

Task("Build")
    .Does(() =>
{
    DotNetBuild(solution.FullPath, new DotNetBuildSettings { Configuration = configuration });
});

// dotnet test on the whole solution, one TRX file per test project, then one summary line summed
// over all of them: "N passed, N failed[, N skipped]". Fails if any test failed or dotnet test did.
Task("Test")
    .IsDependentOn("Build")
    .Does(() =>
{
    var trxDir = resultsDir.Combine("unit");
    EnsureDirectoryExists(trxDir);
    CleanDirectory(trxDir);

    Exception testError = null;
    try
    {
        DotNetTest(solution.FullPath, new DotNetTestSettings
        {
            Configuration = configuration,
            NoBuild = true,
            NoRestore = true,
            Loggers = { "trx;LogFilePrefix=tests" },   // one file per project: tests_<tfm>_<timestamp>.trx
            ResultsDirectory = trxDir,
            // A test that hangs this long kills its test host (and fails) instead of holding CI until its time limit.
            ArgumentCustomization = args => args.Append("--blame-hang-timeout").Append(testHangTimeout)
                                                .Append("--blame-hang-dump-type").Append("none"),
        });
    }
    catch (Exception ex) { testError = ex; }

    int passed = 0, failed = 0, skipped = 0;
    var trxFiles = GetFiles($"{trxDir}/**/*.trx");
    foreach (var trx in trxFiles)
    {
        // Count the run's own results (<Results>/<UnitTestResult outcome=...>): the <Counters> element
        // leaves skipped tests out of notExecuted.
        var doc = XDocument.Load(trx.FullPath);
        var results = doc.Descendants().Where(e => e.Name.LocalName == "UnitTestResult" && e.Parent?.Name.LocalName == "Results")
                         .Select(e => (string)e.Attribute("outcome") ?? "").ToList();
        var assembly = doc.Descendants().Where(e => e.Name.LocalName == "UnitTest")
                          .Select(e => (string)e.Attribute("storage")).FirstOrDefault(v => v != null);
        var name = assembly != null ? System.IO.Path.GetFileNameWithoutExtension(assembly) : $"{trx.GetFilename()} (no tests)";
        int p = results.Count(o => o == "Passed" || o == "PassedButRunAborted" || o == "Warning");
        int f = results.Count(o => o == "Failed" || o == "Error" || o == "Timeout" || o == "Aborted");
        int k = results.Count - p - f;   // NotExecuted (skipped), Inconclusive, ...
        passed += p; failed += f; skipped += k;
        Information($"{name}: {p} passed, {f} failed, {k} skipped");
    }

    Console.WriteLine(skipped > 0 ? $"{passed} passed, {failed} failed, {skipped} skipped" : $"{passed} passed, {failed} failed");

    if (failed > 0) throw new Exception($"{failed} test(s) failed");
    if (testError != null) throw new Exception("dotnet test failed: " + testError.Message, testError);
    if (trxFiles.Count == 0) throw new Exception($"dotnet test wrote no TRX file under {trxDir}");
});

// ../shared/conformance/run.sh against the built server, the regular cases and then --beyond.
Task("Conformance")
    .IsDependentOn("Build")
    .Does(() =>
{
    var runSh = sharedDir.CombineWithFilePath("conformance/run.sh");
    if (!FileExists(runSh)) throw new Exception($"{runSh} not found (pass --shared=DIR)");

    var logDir = resultsDir.Combine("conformance");
    EnsureDirectoryExists(logDir);
    var serverLog = logDir.CombineWithFilePath("server.log");
    if (FileExists(serverLog)) DeleteFile(serverLog);

    var port = FreePort(serverPort);
    Server server = null;
    var failures = new List<string>();
    int totalPassed = 0, totalFailed = 0;
    try
    {
        // The executable's default store, as a user gets it.
        server = StartOurServer(port, serverLog, "sqlite");
        foreach (var extra in new[] { "", "--beyond" })
        {
            var label = extra == "" ? "regular cases" : "beyond-gearmand cases";
            Information($"=== conformance: {label} ===");
            var args = new ProcessArgumentBuilder().AppendQuoted(runSh.FullPath).Append(host).Append(port.ToString());
            if (extra != "") args.Append(extra);
            var (exitCode, lines) = RunEchoed("sh", args);
            var summary = Summary(lines);
            if (summary is { } s) { totalPassed += s.Passed; totalFailed += s.Failed; }
            if (summary == null) failures.Add($"{label}: no summary line (exit code {exitCode})");
            else if (summary.Value.Failed > 0 || exitCode != 0)
                failures.Add($"{label}: {summary.Value.Failed} failed (exit code {exitCode})");
            if (server.Process.HasExited)
            {
                failures.Add($"the server exited during the {label} with code {server.Process.ExitCode}");
                break;
            }
        }
    }
    finally
    {
        StopServer(server);
    }

    Console.WriteLine($"conformance: {totalPassed} passed, {totalFailed} failed");
    if (failures.Count > 0)
    {
        if (FileExists(serverLog))
        {
            Information($"--- last lines of {serverLog} ---");
            foreach (var line in System.IO.File.ReadLines(serverLog.FullPath).TakeLast(40)) Console.WriteLine(line);
        }
        throw new Exception("conformance failed: " + string.Join("; ", failures));
    }
});

// tests/cluster/cluster_kill.py: starts three nodes of the built server as one cluster, runs the conformance
// suite against one node, then SIGKILLs a node under load and checks failover (no client hangs, survivors'
// jobs complete, the dead node's functions are served again within 20 s). The script kills every process it
// started and prints "N passed, N failed"; here that becomes "cluster: N passed, N failed".
Task("ClusterKill")
    .IsDependentOn("Build")
    .Does(() => RunClusterKill("cluster", ""));

// The same with the three nodes on one shared PostgreSQL store (-q postgres): background jobs queued on the
// killed node must all run on the survivors. Needs --postgres=CONNSTR or GEARMAN_TEST_POSTGRES.
Task("ClusterKillDurable")
    .IsDependentOn("Build")
    .Does(() =>
{
    if (string.IsNullOrWhiteSpace(postgres))
    {
        Console.WriteLine("cluster-durable: 0 passed, 1 failed");
        throw new Exception("no PostgreSQL: pass --postgres=CONNSTR or set GEARMAN_TEST_POSTGRES");
    }
    RunClusterKill("cluster-durable", postgres);
});

// tests/cluster/cluster_join.py: a third node joins a two-node cluster holding 1000 queued jobs; after the
// rebalance every job runs exactly once and a waiting foreground client gets its result.
Task("ClusterJoin")
    .IsDependentOn("Build")
    .Does(() =>
{
    var logDir = resultsDir.Combine("cluster-join");
    EnsureDirectoryExists(logDir);
    CleanDirectory(logDir);
    var args = new ProcessArgumentBuilder().AppendQuoted(root.CombineWithFilePath("tests/cluster/cluster_join.py").FullPath)
        .Append("--bin").AppendQuoted(ServerBinary().FullPath)
        .Append("--shared").AppendQuoted(sharedDir.FullPath)
        .Append("--logdir").AppendQuoted(logDir.FullPath);
    ReportScript("cluster-join", RunEchoed("python3", args, new Dictionary<string, string> { ["PYTHONUNBUFFERED"] = "1" }), logDir);
});

// tests/crash/crash_test.py: floods one node with background submits, SIGKILLs it at random moments, restarts it
// on the same data dir and checks that every acknowledged job runs and a completed one never runs again.
Task("CrashTest")
    .IsDependentOn("Build")
    .Does(() =>
{
    var workDir = resultsDir.Combine("crash");
    EnsureDirectoryExists(workDir);
    CleanDirectory(workDir);
    var args = new ProcessArgumentBuilder().AppendQuoted(root.CombineWithFilePath("tests/crash/crash_test.py").FullPath)
        .Append("--bin").AppendQuoted(ServerBinary().FullPath)
        .Append("--shared").AppendQuoted(sharedDir.FullPath)
        .Append("--workdir").AppendQuoted(workDir.FullPath);
    ReportScript("crash", RunEchoed("python3", args, new Dictionary<string, string> { ["PYTHONUNBUFFERED"] = "1" }), workDir);
});

void RunClusterKill(string label, string postgresConnection)
{
    var script = root.CombineWithFilePath("tests/cluster/cluster_kill.py");
    var logDir = resultsDir.Combine(label);
    EnsureDirectoryExists(logDir);
    CleanDirectory(logDir);

    var args = new ProcessArgumentBuilder().AppendQuoted(script.FullPath)
        .Append("--bin").AppendQuoted(ServerBinary().FullPath)
        .Append("--shared").AppendQuoted(sharedDir.FullPath)
        .Append("--logdir").AppendQuoted(logDir.FullPath)
        .Append("--victim").Append(clusterVictim);
    if (postgresConnection.Length > 0) args.Append("--skip-conformance").Append("--postgres").AppendQuoted(postgresConnection);
    ReportScript(label, RunEchoed("python3", args, new Dictionary<string, string> { ["PYTHONUNBUFFERED"] = "1" }), logDir);
}

// A test script's "N passed, N failed" becomes "<label>: N passed, N failed"; no such line (the script died)
// counts as one failure in the CI total.
void ReportScript(string label, (int ExitCode, List<string> Lines) run, DirectoryPath logDir)
{
    var summary = Summary(run.Lines);
    Console.WriteLine(summary is { } s ? $"{label}: {s.Passed} passed, {s.Failed} failed" : $"{label}: 0 passed, 1 failed");
    if (summary == null) throw new Exception($"{label}: no summary line (exit code {run.ExitCode}); logs in {logDir}");
    if (summary.Value.Failed > 0 || run.ExitCode != 0)
        throw new Exception($"{label}: {summary.Value.Failed} failed (exit code {run.ExitCode}); logs in {logDir}");
}

// git ARGS in the repository root; its output lines (empty if git fails).
List<string> BenchGit(string args)
{
    var exitCode = StartProcess("git", new ProcessSettings { Arguments = args, WorkingDirectory = root, RedirectStandardOutput = true, Silent = true },
        out IEnumerable<string> output);
    return exitCode == 0 ? output.Where(l => !string.IsNullOrWhiteSpace(l)).ToList() : new List<string>();
}

// gearbench, built into DIR (../shared may be read-only), rebuilt when gearbench.c is newer than the binary.
FilePath BuildGearbench(DirectoryPath benchSrc, DirectoryPath dir)
{
    EnsureDirectoryExists(dir);
    var gearbench = dir.CombineWithFilePath("gearbench");
    var gearbenchC = benchSrc.CombineWithFilePath("gearbench.c");
    if (!FileExists(gearbench) ||
        System.IO.File.GetLastWriteTimeUtc(gearbenchC.FullPath) > System.IO.File.GetLastWriteTimeUtc(gearbench.FullPath))
    {
        Information($"Building {gearbench}");
        var rc = StartProcess("gcc", new ProcessSettings {
            Arguments = new ProcessArgumentBuilder().Append("-O2 -Wall -pthread -o").AppendQuoted(gearbench.FullPath).AppendQuoted(gearbenchC.FullPath) });
        if (rc != 0) throw new Exception("gcc failed to build gearbench");
    }
    return gearbench;
}

// A copy of the built server in DIR, so that a rebuild during a long run does not change what is measured.
FilePath FreezeServer(DirectoryPath dir)
{
    var frozenDir = FreshDir(dir);
    CopyDirectory(ServerBinary().GetDirectory(), frozenDir);
    var frozenServer = frozenDir.CombineWithFilePath(ServerBinary().GetFilename());
    StartProcess("chmod", new ProcessSettings { Arguments = $"+x \"{frozenServer.FullPath}\"", Silent = true });
    return frozenServer;
}

// SIGTERM, then SIGKILL once LIMIT has passed; waits for the process to be gone. Safe with null or an exited server.
void StopBenchServer(Server server, TimeSpan limit)
{
    if (server == null) return;
    using var process = server.Process;
    if (process.HasExited) return;
    var stopwatch = System.Diagnostics.Stopwatch.StartNew();
    StartProcess("kill", new ProcessSettings { Arguments = $"-TERM {server.Pid}", Silent = true });
    if (!process.WaitForExit((int)limit.TotalMilliseconds))
    {
        Warning($"{server.Name} (pid {server.Pid}) still running {limit.TotalSeconds:0} s after SIGTERM; sending SIGKILL");
        process.Kill(entireProcessTree: true);
        if (!process.WaitForExit(10_000)) throw new Exception($"{server.Name} (pid {server.Pid}) survived SIGKILL");
    }
    process.WaitForExit();   // also drains the redirected-output handlers
    Information($"{server.Name} (pid {server.Pid}) stopped in {stopwatch.Elapsed.TotalSeconds:0.0} s (exit code {process.ExitCode})");
}

// ../shared/bench/run-suite.sh against freshly started servers, ours and gearmand (if installed),
// interleaved for --rounds rounds. Raw result lines (prefixed "round=N") go to --bench-out, then
// bench/bench_report.py rewrites the generated part of --bench-doc (between <!-- bench:begin --> and
// <!-- bench:end -->) from them.
//   --rounds=N               rounds (default 3)
//   --bench-quick            run-suite.sh --quick
//   --bench-scenarios=TAGS   run-suite.sh --only TAGS (echo,bg-submit,roundtrip,rt-serial,rt-4k,drain,unique,large)
//   --bench-out=FILE         result lines (default docs/bench-results.txt)
//   --bench-doc=FILE         the document to regenerate (default docs/benchmarks.md; "none" leaves it alone)
//   --bench-store=STORE      our job store (default builtin, like gearmand's default memory queue)
//   --quiet-wait=SECONDS     run-suite.sh waits up to this long before each scenario for the machine to be quiet
//                            (default: $QUIET_WAIT, else 60)
// The server binary is copied before the first round, so a rebuild during the run does not change what is measured.
Task("Bench")
    .IsDependentOn("Build")
    .Does(() =>
{
    var benchSrc = sharedDir.Combine("bench");
    var runSuite = benchSrc.CombineWithFilePath("run-suite.sh");
    if (!FileExists(runSuite)) throw new Exception($"{runSuite} not found (pass --shared=DIR)");
    var scenarios = Argument("bench-scenarios", "");
    var quietWait = Argument("quiet-wait", EnvironmentVariable("QUIET_WAIT") ?? "60");
    var benchDocArg = Argument("bench-doc", "docs/benchmarks.md");
    FilePath benchDoc = benchDocArg == "none" ? null : MakeAbsolute(File(benchDocArg));
    var report = root.CombineWithFilePath("bench/bench_report.py");

    var workDir = resultsDir.Combine("bench");
    EnsureDirectoryExists(workDir);
    var gearbench = BuildGearbench(benchSrc, workDir);

    FilePath gearmand = Context.Tools.Resolve("gearmand")
        ?? new[] { "/usr/sbin/gearmand", "/usr/local/sbin/gearmand" }.Select(p => (FilePath)p).FirstOrDefault(FileExists);
    if (gearmand == null) Warning("gearmand is not installed; benchmarking gearman-actors alone");

    // What is measured: the commit, whether the tree differs from it, and a frozen copy of the built server.
    var commit = BenchGit("rev-parse --short HEAD").FirstOrDefault() ?? "unknown";
    var changed = BenchGit("status --porcelain --untracked-files=no");
    var frozenServer = FreezeServer(workDir.Combine("server"));
    Information($"Benchmarking commit {commit}{(changed.Count > 0 ? $" with {changed.Count} changed file(s)" : "")}, server copied to {frozenServer.GetDirectory()}");

    EnsureDirectoryExists(benchOut.GetDirectory());
    var started = DateTime.UtcNow;
    var invocation = "dotnet cake --target=Bench --rounds=" + rounds + (benchQuick ? " --bench-quick" : "")
        + (scenarios != "" ? $" --bench-scenarios={scenarios}" : "") + $" --quiet-wait={quietWait}"
        + (benchStore != "builtin" ? $" --bench-store={benchStore}" : "");
    var header = new List<string>
    {
        $"# Gearman.Actors bench {started:yyyy-MM-ddTHH:mm:ssZ} rounds={rounds} quick={benchQuick} nproc={Environment.ProcessorCount}",
        $"# meta commit={commit}",
        $"# meta dirty={(changed.Count > 0 ? "yes" : "no")}",
        $"# meta dirty_files={string.Join(", ", changed.Take(8).Select(l => l.Trim()))}{(changed.Count > 8 ? ", ..." : "")}",
        $"# meta rounds={rounds}",
        $"# meta quick={benchQuick}",
        $"# meta scenarios={scenarios}",
        $"# meta started={started:yyyy-MM-dd HH:mm} UTC",
        $"# meta ours_flags=-q {benchStore}",
        $"# meta gearmand={gearmand?.FullPath ?? ""}",
        $"# command {invocation}",
        "# command # each round starts each server afresh, runs the suite against it, then stops it (SIGTERM, SIGKILL after 10 s):",
    };
    System.IO.File.WriteAllLines(benchOut.FullPath, header);

    var env = new Dictionary<string, string>
    {
        ["GEARBENCH"] = gearbench.FullPath,
        ["QUIET_WAIT"] = quietWait,
    };
    var failures = new List<string>();
    var commandsLogged = new HashSet<string>();

    for (var round = 1; round <= rounds; round++)
    {
        var servers = new List<string> { "gearman-actors" };
        if (gearmand != null) servers.Add("gearmand");
        foreach (var name in servers)
        {
            Server server = null;
            try
            {
                int port;
                ProcessArgumentBuilder serverArgs;
                FilePath binary;
                if (name == "gearman-actors")
                {
                    port = FreePort(serverPort);
                    var log = workDir.CombineWithFilePath($"server-round{round}.log");
                    binary = frozenServer;
                    serverArgs = new ProcessArgumentBuilder().Append("-L").Append(host).Append("-p").Append(port.ToString())
                        .Append("-l").AppendQuoted(log.FullPath).Append("-q").Append(benchStore)
                        .Append("--data-dir").AppendQuoted(FreshDir(workDir.Combine($"server-round{round}-data")).FullPath);
                }
                else
                {
                    port = FreePort(gearmandPort);
                    binary = gearmand;
                    serverArgs = new ProcessArgumentBuilder().Append("-L").Append(host).Append("-p").Append(port.ToString()).Append("-l stderr");
                }
                server = StartServer(name, binary, serverArgs, port);

                Information($"=== bench round {round}/{rounds}: {name} on {host}:{port} ===");
                var args = new ProcessArgumentBuilder().AppendQuoted(runSuite.FullPath).Append(host).Append(port.ToString())
                    .Append("--label").Append(name).Append("--server-pid").Append(server.Pid.ToString());
                if (benchQuick) args.Append("--quick");
                if (scenarios != "") args.Append("--only").Append(scenarios);
                if (commandsLogged.Add(name))
                {
                    // The commands as run in round 1, with this machine's paths shortened.
                    string Short(string s) => s.Replace(root.FullPath + "/", "").Replace(sharedDir.FullPath + "/", "../shared/");
                    System.IO.File.AppendAllLines(benchOut.FullPath, new[]
                    {
                        $"# command {Short(binary.FullPath)} {Short(serverArgs.Render())}",
                        $"# command QUIET_WAIT={quietWait} GEARBENCH={Short(gearbench.FullPath)} bash {Short(args.Render())}",
                    });
                }
                var loadavg = System.IO.File.ReadAllText("/proc/loadavg").Split(' ').Take(3);
                System.IO.File.AppendAllText(benchOut.FullPath,
                    $"# round={round} server={name} pid={server.Pid} start={DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ} loadavg={string.Join(" ", loadavg)}\n");

                var (exitCode, lines) = RunEchoed("bash", args, env);
                System.IO.File.AppendAllLines(benchOut.FullPath,
                    lines.Where(l => l.Contains("scenario=")).Select(l => $"round={round} {l}"));
                if (exitCode != 0) failures.Add($"round {round} {name}: run-suite.sh exit code {exitCode}");
            }
            catch (Exception ex)
            {
                failures.Add($"round {round} {name}: {ex.Message}");
                Error(ex.Message);
            }
            finally
            {
                StopBenchServer(server, TimeSpan.FromSeconds(10));
            }
        }
    }
    System.IO.File.AppendAllLines(benchOut.FullPath, new[] { $"# meta finished={DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC" });

    Information($"Result lines: {benchOut}");
    if (benchDoc != null)
    {
        // The document is regenerated even when some runs failed: their lines say so (status=...).
        var rc = StartProcess("python3", new ProcessSettings
        {
            Arguments = new ProcessArgumentBuilder().AppendQuoted(report.FullPath)
                .Append("--results").AppendQuoted(benchOut.FullPath).Append("--doc").AppendQuoted(benchDoc.FullPath),
            WorkingDirectory = root,
        });
        if (rc != 0) failures.Add($"bench_report.py exit code {rc}");
    }
    if (failures.Count > 0) throw new Exception("bench: " + string.Join("; ", failures));
});

// ../shared/bench/scaleout.sh (as root; needs gearmand and the cgroup v1 cpu controller): each round runs one node,
// then a cluster of N nodes, then gearmand, every server process held to the same CPU quota, under the same six
// gearbench processes. Its lines go to --scaleout-out, then bench/scaleout_report.py rewrites the part of
// --scaleout-doc between <!-- scaleout:begin --> and <!-- scaleout:end --> (1 node, N nodes, efficiency =
// N-node ÷ (N × 1-node), gearmand at the same quota).
//   --quota=CPUS               CPU quota of each server process (default 0.5)
//   --nodes=N                  nodes of the cluster (default 3)
//   --rounds=N                 rounds (default 2 for this target)
//   --scaleout-scenarios=LIST  space-separated gearbench scenarios (default "roundtrip bg-submit drain")
//   --scaleout-out=FILE        result lines (default TestResults/scaleout/results.txt)
//   --scaleout-doc=FILE        the document to regenerate (default docs/benchmarks.md; "none" leaves it alone)
//   --verification             marks the section as a run that checked the pipeline, not valid for comparison
Task("ScaleOut")
    .IsDependentOn("Build")
    .Does(() =>
{
    var script = sharedDir.CombineWithFilePath("bench/scaleout.sh");
    if (!FileExists(script)) throw new Exception($"{script} not found (pass --shared=DIR)");
    var quota = Argument("quota", "0.5");
    var nodes = Argument("nodes", 3);
    var scaleRounds = HasArgument("rounds") ? rounds : 2;
    var scenarios = Argument("scaleout-scenarios", "roundtrip bg-submit drain");
    var verification = HasArgument("verification");
    var workDir = resultsDir.Combine("scaleout");
    EnsureDirectoryExists(workDir);
    var resultsFile = MakeAbsolute(File(Argument("scaleout-out", workDir.CombineWithFilePath("results.txt").FullPath)));
    var docArg = Argument("scaleout-doc", "docs/benchmarks.md");
    FilePath doc = docArg == "none" ? null : MakeAbsolute(File(docArg));

    var gearbench = BuildGearbench(sharedDir.Combine("bench"), resultsDir.Combine("bench"));
    var frozenServer = FreezeServer(workDir.Combine("server"));
    var commit = BenchGit("rev-parse --short HEAD").FirstOrDefault() ?? "unknown";
    var changed = BenchGit("status --porcelain --untracked-files=no");
    var started = DateTime.UtcNow;
    var loadavg = string.Join(" ", System.IO.File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
    var args = new ProcessArgumentBuilder().AppendQuoted(script.FullPath).Append(quota).Append(nodes.ToString())
        .Append(scaleRounds.ToString()).AppendQuoted(scenarios);
    string Short(string text) => text.Replace(root.FullPath + "/", "").Replace(sharedDir.FullPath + "/", "../shared/");
    EnsureDirectoryExists(resultsFile.GetDirectory());
    System.IO.File.WriteAllLines(resultsFile.FullPath, new[]
    {
        $"# Gearman.Actors scale-out {started:yyyy-MM-ddTHH:mm:ssZ} nproc={Environment.ProcessorCount}",
        $"# meta commit={commit}",
        $"# meta dirty={(changed.Count > 0 ? "yes" : "no")}",
        $"# meta dirty_files={string.Join(", ", changed.Take(8).Select(l => l.Trim()))}{(changed.Count > 8 ? ", ..." : "")}",
        $"# meta quota={quota}",
        $"# meta nodes={nodes}",
        $"# meta rounds={scaleRounds}",
        $"# meta scenarios={scenarios}",
        $"# meta started={started:yyyy-MM-dd HH:mm} UTC",
        $"# meta loadavg={loadavg}",
        $"# meta verification={(verification ? "yes" : "no")}",
        $"# command dotnet cake --target=ScaleOut --quota={quota} --nodes={nodes} --rounds={scaleRounds} --scaleout-scenarios=\"{scenarios}\"{(verification ? " --verification" : "")}",
        $"# command BIN={Short(frozenServer.FullPath)} GEARBENCH={Short(gearbench.FullPath)} bash {Short(args.Render())}",
    });

    Information($"Scale-out of commit {commit}: quota {quota}, {nodes} nodes, {scaleRounds} round(s), scenarios {scenarios}");
    var (exitCode, lines) = RunEchoed("bash", args, new Dictionary<string, string>
    {
        ["BIN"] = frozenServer.FullPath,
        ["GEARBENCH"] = gearbench.FullPath,
    });
    var kept = lines.Where(l => l.StartsWith("scaleout ") || l.StartsWith("summary ")).ToList();
    System.IO.File.AppendAllLines(resultsFile.FullPath, kept.Append($"# meta finished={DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
    Information($"Result lines: {resultsFile}");

    var failures = new List<string>();
    if (exitCode != 0) failures.Add($"scaleout.sh exit code {exitCode}");
    if (!kept.Any(l => l.StartsWith("summary "))) failures.Add("scaleout.sh printed no summary line");
    if (doc != null && kept.Count > 0)
    {
        var rc = StartProcess("python3", new ProcessSettings
        {
            Arguments = new ProcessArgumentBuilder().AppendQuoted(root.CombineWithFilePath("bench/scaleout_report.py").FullPath)
                .Append("--results").AppendQuoted(resultsFile.FullPath).Append("--doc").AppendQuoted(doc.FullPath),
            WorkingDirectory = root,
        });
        if (rc != 0) failures.Add($"scaleout_report.py exit code {rc}");
    }
    if (failures.Count > 0) throw new Exception("scale-out: " + string.Join("; ", failures));
});

// dotnet pack of the library projects (Release) into artifacts/packages: Gearman.Actors.Protocol,
// Gearman.Actors.Client and Gearman.Actors, with symbol packages.
Task("Pack")
    .Does(() =>
{
    var output = root.Combine("artifacts/packages");
    EnsureDirectoryExists(output);
    CleanDirectory(output);
    foreach (var project in new[] { "src/Gearman.Actors.Protocol", "src/Gearman.Actors.Client", "src/Gearman.Actors", "src/Gearman.Actors.Hosting" })
    {
        DotNetPack(root.Combine(project).FullPath, new DotNetPackSettings
        {
            Configuration = "Release",
            OutputDirectory = output,
        });
    }
    foreach (var package in GetFiles($"{output}/*.nupkg")) Information($"packed {package.GetFilename()}");
});

RunTarget(target);
