using System.Globalization;
using System.Text;
using Akka.Configuration;

namespace Gearman.Actors.Hosting;

/// <summary>Where background jobs are kept: the values of <c>gearman.queue-type</c>.</summary>
public enum GearmanQueueType
{
    /// <summary>In memory only, as gearmand does by default.</summary>
    Builtin,
    /// <summary>A SQLite file under <see cref="GearmanBrokerOptions.DataDir"/>; for a single node.</summary>
    Sqlite,
    /// <summary>PostgreSQL at <see cref="GearmanBrokerOptions.PostgresConnectionString"/>; shared by a cluster's nodes.</summary>
    Postgres,
}

/// <summary>
/// The broker's settings for <see cref="GearmanBrokerHostingExtensions.WithGearmanBroker(Akka.Hosting.AkkaConfigurationBuilder, GearmanBrokerOptions)"/>.
/// Each one stands for a key of the <c>gearman</c> HOCON section (config/gearman.conf); a null leaves that key to
/// the application's own HOCON or the defaults.
/// </summary>
public sealed record GearmanBrokerOptions
{
    /// <summary>Bind the Gearman TCP port; false runs the broker for in-process clients and workers only.</summary>
    public bool Listen { get; init; } = true;
    public string? ListenHost { get; init; }
    /// <summary>The Gearman port; 0 takes any free port (see <see cref="GearmanBroker.Endpoint"/>).</summary>
    public int? Port { get; init; }
    public GearmanQueueType? QueueType { get; init; }
    /// <summary>Directory of the SQLite store (<see cref="GearmanQueueType.Sqlite"/>).</summary>
    public string? DataDir { get; init; }
    public string? PostgresConnectionString { get; init; }
    /// <summary>This node's name in job handles; must differ between the nodes of a cluster.</summary>
    public string? NodeName { get; init; }
    public string? JobHandlePrefix { get; init; }
    /// <summary>Attempts before a job whose workers keep dying is failed; 0 = unlimited.</summary>
    public int? JobRetries { get; init; }
    /// <summary>Sleeping workers woken per new job; 0 = all.</summary>
    public int? WorkerWakeup { get; init; }
    /// <summary>Every TCP client gets WORK_EXCEPTION as if it had asked for it.</summary>
    public bool? Exceptions { get; init; }
    /// <summary>Most jobs this node holds, queued or running, before new submits are refused; 0 = no limit.</summary>
    public long? MaxJobs { get; init; }
    /// <summary>Most payload bytes of the jobs this node holds; 0 = no limit.</summary>
    public long? MaxJobMemory { get; init; }
    /// <summary>Unsent bytes at which a TCP connection that does not read is dropped; 0 = no limit.</summary>
    public long? OutputLimit { get; init; }
    /// <summary>Addresses or CIDR blocks that may connect to the Gearman port; null or empty: every address.</summary>
    public IReadOnlyList<string>? Allow { get; init; }
    /// <summary>Addresses or CIDR blocks that may cancel jobs, create or drop functions and set maxqueue; null or empty: every address.</summary>
    public IReadOnlyList<string>? AdminAllow { get; init; }
    /// <inheritdoc cref="BrokerStartup.JoinSelfWithoutSeedNodes"/>
    public bool JoinSelfWithoutSeedNodes { get; init; } = true;

    internal BrokerStartup Startup => new() { Listen = Listen, JoinSelfWithoutSeedNodes = JoinSelfWithoutSeedNodes };

    /// <summary>The <c>gearman.*</c> HOCON these options stand for.</summary>
    public Config ToHocon()
    {
        var hocon = new StringBuilder();
        void Set(string key, string? value)
        {
            if (value is not null) hocon.Append("gearman.").Append(key).Append(" = ").Append(value).Append('\n');
        }
        static string? Str(string? s) => s is null ? null : "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        static string? Num(int? n) => n?.ToString(CultureInfo.InvariantCulture);
        static string? List(IReadOnlyList<string>? values) => values is null ? null : "[" + string.Join(", ", values.Select(Str)) + "]";

        Set("listen", Str(ListenHost));
        Set("port", Num(Port));
        Set("queue-type", QueueType?.ToString().ToLowerInvariant());
        Set("data-dir", Str(DataDir));
        Set("postgres", Str(PostgresConnectionString));
        Set("node-name", Str(NodeName));
        Set("job-handle-prefix", Str(JobHandlePrefix));
        Set("job-retries", Num(JobRetries));
        Set("worker-wakeup", Num(WorkerWakeup));
        Set("exceptions", Exceptions is { } on ? (on ? "on" : "off") : null);
        Set("max-jobs", MaxJobs?.ToString(CultureInfo.InvariantCulture));
        Set("max-job-memory", MaxJobMemory?.ToString(CultureInfo.InvariantCulture));
        Set("output-limit", OutputLimit?.ToString(CultureInfo.InvariantCulture));
        Set("allow", List(Allow));
        Set("admin-allow", List(AdminAllow));
        return ConfigurationFactory.ParseString(hocon.ToString());
    }
}
