using System.CommandLine;
using System.Globalization;
using System.Text;

namespace Gearman.Actors.Server;

/// <summary>
/// The command line. Flags mirror gearmand's where they mean the same thing; each one becomes a HOCON override,
/// so that flags, --config files and config/gearman.conf all meet in one configuration.
/// </summary>
internal sealed class ServerOptions
{
    public readonly Option<string?> Listen = new("--listen", "-L") { Description = "Address to listen on (default 0.0.0.0)" };
    public readonly Option<int?> Port = new("--port", "-p") { Description = "Port to listen on (default 4730)" };
    public readonly Option<int?> Backlog = new("--backlog", "-b") { Description = "Listen backlog" };
    public readonly Option<int?> JobRetries = new("--job-retries", "-j") { Description = "Attempts before a job whose workers keep dying is failed; 0 = unlimited" };
    public readonly Option<string?> HandlePrefix = new("--job-handle-prefix") { Description = "Prefix of job handles (default H:<hostname>)" };
    public readonly Option<string?> Verbose = new("--verbose") { Description = "Log level: FATAL ALERT CRITICAL ERROR WARNING NOTICE INFO DEBUG" };
    public readonly Option<string?> LogFile = new("--log-file", "-l") { Description = "Log to this file instead of standard error (\"stderr\" for standard error)" };
    public readonly Option<string?> PidFile = new("--pid-file", "-P") { Description = "Write the process id to this file" };
    public readonly Option<int?> WorkerWakeup = new("--worker-wakeup", "-w") { Description = "Sleeping workers woken per new job; 0 = all" };
    public readonly Option<bool> Exceptions = new("--exceptions") { Description = "Send WORK_EXCEPTION to every client, as if each had asked for it" };
    public readonly Option<string[]> Config = new("--config", "--config-file") { Description = "HOCON file(s) layered over config/gearman.conf", AllowMultipleArgumentsPerToken = false };
    public readonly Option<string?> QueueType = new("--queue-type", "-q") { Description = "Job store: sqlite (default, a file under --data-dir), postgres (--postgres), builtin (memory only)" };
    public readonly Option<string?> DataDir = new("--data-dir") { Description = "Directory of the sqlite job store (default ./data)" };
    public readonly Option<string?> Postgres = new("--postgres") { Description = "PostgreSQL connection string for -q postgres" };
    public readonly Option<long?> MaxPacketSize = new("--max-packet-size") { Description = "Largest packet body accepted, in bytes (default 4294967295)" };
    public readonly Option<int?> Threads = new("--threads", "-t") { Description = "Accepted for gearmand compatibility; the actor dispatcher sizes itself" };
    public readonly Option<string?> NodeName = new("--node-name") { Description = "This node's name, used in job handles; must differ per cluster node" };
    public readonly Option<string?> ClusterHost = new("--cluster-host") { Description = "Address other cluster nodes reach this node at (default 127.0.0.1)" };
    public readonly Option<int?> ClusterPort = new("--cluster-port") { Description = "Port for cluster traffic between nodes (default: any free port)" };
    public readonly Option<int?> LinkPort = new("--link-port") { Description = "Port for the node link's batches between nodes, beside --cluster-port (default: any free port; -1: through Akka.Remote)" };
    public readonly Option<string?> SeedNodes = new("--seed-nodes") { Description = "Comma-separated host:port of the cluster's seed nodes; none = a one-node cluster" };
    public readonly Option<long?> MaxJobs = new("--max-jobs") { Description = "Most jobs this node holds before new submits get ERROR QUEUE_ERROR; 0 = no limit (default)" };
    public readonly Option<string?> MaxJobMemory = new("--max-job-memory") { Description = "Most payload bytes this node holds, e.g. 2GiB; 0 = no limit (default)" };
    public readonly Option<string?> OutputLimit = new("--output-limit") { Description = "Unsent bytes at which a connection that does not read is dropped, e.g. 64MiB; 0 = no limit (default 256MiB)" };
    public readonly Option<string[]> Allow = new("--allow") { Description = "Only these addresses or CIDR blocks may connect (repeat, or separate with commas); default: every address", AllowMultipleArgumentsPerToken = false };
    public readonly Option<string[]> AdminAllow = new("--admin-allow") { Description = "Only these addresses or CIDR blocks may cancel jobs, create or drop functions and set maxqueue; default: every address", AllowMultipleArgumentsPerToken = false };
    public readonly Option<bool> RoundRobin = new("--round-robin", "-R") { Description = "A worker with several functions starts each grab at the next of them in turn, not at the newest" };

    // gearmand's flags with a meaning here (GearmandFlags has those without).
    public readonly Option<string?> LibSqliteDb = new("--libsqlite3-db") { Description = "The sqlite store's file (gearmand's -q libsqlite3); its snapshots go beside it" };
    public readonly Option<string?> LibpqConninfo = new("--libpq-conninfo") { Description = "A libpq connection string or URI for the postgres store (gearmand's -q Postgres)" };
    public readonly Option<bool> Daemon = new("--daemon", "-d") { Description = "Detach and run in the background once listening" };
    public readonly Option<string?> User = new("--user", "-u") { Description = "Run as this user, switched to at start, before the store's files are made (needs root)" };
    public readonly Option<bool> Syslog = new("--syslog") { Description = "Log to standard error, which syslog or journald collects under a service manager" };
    public readonly Option<int?> FileDescriptors = new("--file-descriptors", "-f") { Description = "Raise the open-file limit to this many" };
    public readonly Option<bool> KeepAlive = new("--keepalive") { Description = "TCP keepalive on client connections" };
    public readonly Option<int?> KeepAliveIdle = new("--keepalive-idle") { Description = "Seconds idle before keepalive probes; -1 = the system's" };
    public readonly Option<int?> KeepAliveInterval = new("--keepalive-interval") { Description = "Seconds between keepalive probes; -1 = the system's" };
    public readonly Option<int?> KeepAliveCount = new("--keepalive-count") { Description = "Keepalive probes before the connection is dropped; -1 = the system's" };
    public readonly Option<bool> Ssl = new("--ssl") { Description = "Refused: TLS is not supported yet" };

    public RootCommand BuildRoot()
    {
        var root = new RootCommand("Gearman.Actors: a Gearman job server on Akka.NET");
        foreach (var option in new Option[]
                 {
                     Listen, Port, Backlog, JobRetries, HandlePrefix, Verbose, LogFile, PidFile, WorkerWakeup, Exceptions,
                     Config, QueueType, DataDir, Postgres, MaxPacketSize, Threads, RoundRobin, NodeName, ClusterHost, ClusterPort, LinkPort, SeedNodes,
                     MaxJobs, MaxJobMemory, OutputLimit, Allow, AdminAllow,
                     LibSqliteDb, LibpqConninfo, Daemon, User, Syslog, FileDescriptors, KeepAlive, KeepAliveIdle, KeepAliveInterval,
                     KeepAliveCount, Ssl,
                 })
            root.Options.Add(option);
        foreach (var (option, _) in GearmandFlags.Ignored) root.Options.Add(option);
        foreach (var option in root.Options)
            if (option is VersionOption version) version.Aliases.Add("-V");
        // gearmand's flags of other versions, or mistyped ones, are warned about, not refused (Program.cs).
        root.TreatUnmatchedTokensAsErrors = false;
        return root;
    }

    /// <summary>One line for each flag given that is accepted but does nothing here, and for each argument not understood.</summary>
    public IEnumerable<string> Warnings(ParseResult r)
    {
        foreach (var (option, why) in GearmandFlags.Ignored)
            if (r.GetResult(option) is { Implicit: false }) yield return $"ignoring {option.Name}: {why}";
        if (r.GetResult(Threads) is { Implicit: false }) yield return "ignoring --threads: the actor dispatcher sizes itself";
        if (r.UnmatchedTokens.Count > 0) yield return "ignoring arguments not understood: " + string.Join(" ", r.UnmatchedTokens);
    }

    /// <summary>The HOCON that the given flags stand for; flags not given leave the configuration alone.</summary>
    public string ToHocon(ParseResult r)
    {
        var sb = new StringBuilder();
        void Set(string key, string value) => sb.Append(key).Append(" = ").Append(value).Append('\n');
        static string Str(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        static string Num(long n) => n.ToString(CultureInfo.InvariantCulture);
        static string List(IEnumerable<string> values) => "[" + string.Join(", ", values
            .SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Select(Str)) + "]";

        if (r.GetValue(Listen) is { } listen) Set("gearman.listen", Str(listen));
        if (r.GetValue(Port) is { } port) Set("gearman.port", Num(port));
        else if (int.TryParse(Environment.GetEnvironmentVariable("GEARMAND_PORT"), out var envPort)) Set("gearman.port", Num(envPort));
        if (r.GetValue(KeepAlive)) Set("gearman.keepalive", "on");
        if (r.GetValue(KeepAliveIdle) is { } idle) Set("gearman.keepalive-idle", Num(idle));
        if (r.GetValue(KeepAliveInterval) is { } interval) Set("gearman.keepalive-interval", Num(interval));
        if (r.GetValue(KeepAliveCount) is { } count) Set("gearman.keepalive-count", Num(count));
        if (r.GetValue(Backlog) is { } backlog) Set("gearman.backlog", Num(backlog));
        if (r.GetValue(JobRetries) is { } retries) Set("gearman.job-retries", Num(retries));
        if (r.GetValue(HandlePrefix) is { } prefix) Set("gearman.job-handle-prefix", Str(prefix));
        if (r.GetValue(WorkerWakeup) is { } wakeup) Set("gearman.worker-wakeup", Num(wakeup));
        if (r.GetValue(Exceptions)) Set("gearman.exceptions", "on");
        if (r.GetValue(RoundRobin)) Set("gearman.round-robin", "on");
        if (r.GetValue(MaxPacketSize) is { } max) Set("gearman.max-packet-size", Num(max));
        if (r.GetValue(MaxJobs) is { } maxJobs) Set("gearman.max-jobs", Num(maxJobs));
        if (r.GetValue(MaxJobMemory) is { } maxJobMemory) Set("gearman.max-job-memory", Str(maxJobMemory));
        if (r.GetValue(OutputLimit) is { } outputLimit) Set("gearman.output-limit", Str(outputLimit));
        if (r.GetValue(Allow) is { Length: > 0 } allow) Set("gearman.allow", List(allow));
        if (r.GetValue(AdminAllow) is { Length: > 0 } adminAllow) Set("gearman.admin-allow", List(adminAllow));
        // The executable keeps background jobs durable unless told otherwise; the library defaults to memory.
        var postgres = r.GetValue(Postgres) ?? (r.GetValue(LibpqConninfo) is { } conninfo ? GearmandFlags.PostgresFromLibpq(conninfo) : null);
        var queueType = r.GetValue(QueueType) is { } q ? GearmandFlags.QueueType(q)
            : postgres is not null ? "postgres" : r.GetValue(LibSqliteDb) is not null ? "sqlite" : null;
        if (queueType is not null) Set("gearman.queue-type", Str(queueType));
        if (r.GetValue(DataDir) is { } dataDir) Set("gearman.data-dir", Str(dataDir));
        if (r.GetValue(LibSqliteDb) is { } sqliteFile) Set("gearman.sqlite-file", Str(sqliteFile));
        if (postgres is not null) Set("gearman.postgres", Str(postgres));
        // gearmand's "none" writes no log file; logs then go to standard error, as with --syslog.
        if (r.GetValue(LogFile) is { } log && !r.GetValue(Syslog)) Set("gearman.log-file", Str(log == "none" ? "stderr" : log));
        if (r.GetValue(ClusterHost) is { } clusterHost) Set("akka.remote.dot-netty.tcp.hostname", Str(clusterHost));
        if (r.GetValue(ClusterPort) is { } clusterPort) Set("akka.remote.dot-netty.tcp.port", Num(clusterPort));
        if (r.GetValue(LinkPort) is { } linkPort) Set("gearman.link-port", Num(linkPort));
        if (r.GetValue(SeedNodes) is { } seeds)
        {
            var list = seeds.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => Str("akka.tcp://gearman@" + s));
            Set("akka.cluster.seed-nodes", "[" + string.Join(", ", list) + "]");
        }
        var nodeName = r.GetValue(NodeName);
        if (nodeName is null && r.GetValue(ClusterPort) is { } p && p > 0) nodeName = Environment.MachineName + "-" + Num(p);
        if (nodeName is not null) Set("gearman.node-name", Str(nodeName));
        if (r.GetValue(Verbose) is { } verbose)
        {
            Set("gearman.verbose", Str(verbose.ToUpperInvariant()));
            Set("akka.loglevel", AkkaLevel(verbose));
        }
        return sb.ToString();
    }

    private static string AkkaLevel(string gearmandLevel) => gearmandLevel.ToUpperInvariant() switch
    {
        "DEBUG" => "DEBUG",
        "INFO" or "NOTICE" => "INFO",
        "WARNING" => "WARNING",
        _ => "ERROR",
    };
}
