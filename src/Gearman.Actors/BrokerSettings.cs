using Akka.Configuration;
using Gearman.Actors.Net;

namespace Gearman.Actors;

/// <summary>The broker's settings, read from the <c>gearman</c> section of HOCON (see config/gearman.conf).</summary>
public sealed record BrokerSettings
{
    public string ListenHost { get; init; } = "0.0.0.0";
    public int Port { get; init; } = 4730;
    public int Backlog { get; init; } = 128;
    /// <summary>TCP keepalive on accepted connections, with the system's timings (gearmand's --keepalive).</summary>
    public bool KeepAlive { get; init; }
    /// <summary>Keepalive's idle time, probe interval (seconds) and probe count; 0 or less keeps the system's.</summary>
    public int KeepAliveIdle { get; init; }
    public int KeepAliveInterval { get; init; }
    public int KeepAliveCount { get; init; }
    /// <summary>Attempts before a job whose workers keep dying is failed; 0 = unlimited (gearmand 1.1 default).</summary>
    public int JobRetries { get; init; }
    /// <summary>How many sleeping workers one new job wakes; 0 = all of them.</summary>
    public int WorkerWakeup { get; init; }
    /// <summary>Every connection gets WORK_EXCEPTION as if it had sent OPTION_REQ "exceptions".</summary>
    public bool Exceptions { get; init; }

    /// <summary>
    /// A worker with several functions starts each grab at the next of them in turn (gearmand 1.1's
    /// <c>--round-robin</c>); otherwise at the function it registered last, as gearmand 1.1.20 does.
    /// </summary>
    public bool RoundRobin { get; init; }
    public string HandlePrefix { get; init; } = "H:" + Environment.MachineName;
    /// <summary>This node's name in handles and logs; must differ between the nodes of a cluster.</summary>
    public string NodeName { get; init; } = Environment.MachineName;
    public long MaxPacketSize { get; init; } = uint.MaxValue;
    /// <summary>
    /// Longest admin text line, without its CRLF. gearmand reads a line into an 8 KiB buffer and closes the
    /// connection on a longer one; 8190 characters plus CRLF fill it exactly.
    /// </summary>
    public int MaxLineLength { get; init; } = 8190;
    /// <summary>Unsent bytes above which a connection stops reading its socket until its peer catches up.</summary>
    public int OutputHighWater { get; init; } = 8 << 20;

    /// <summary>
    /// Unsent bytes at which a connection is dropped (0 = no limit): the output waiting behind its write in flight,
    /// not counting the largest single packet among it. Bounds what a peer that does not read can make the broker
    /// hold; see config/gearman.conf for the choice of the default.
    /// </summary>
    public long OutputLimit { get; init; } = 256L << 20;
    public string Verbose { get; init; } = "ERROR";
    public string Version { get; init; } = "1.1.20";
    public TimeSpan AdminTimeout { get; init; } = TimeSpan.FromSeconds(3);
    /// <summary>builtin (memory only, like gearmand's default), sqlite (a file under <see cref="DataDir"/>) or postgres.</summary>
    public string QueueType { get; init; } = "builtin";
    public string DataDir { get; init; } = "./data";
    /// <summary>The sqlite store's file; empty means gearman.db under <see cref="DataDir"/>.</summary>
    public string SqliteFile { get; init; } = "";
    public string Postgres { get; init; } = "";
    /// <summary>Fewest journal events between two snapshots of a queue's pending jobs.</summary>
    public int SnapshotEvery { get; init; } = 10000;
    /// <summary>Most jobs (submits plus removals) one journal write of a queue carries.</summary>
    public int WriteBatch { get; init; } = 4000;

    /// <summary>
    /// Most bytes one journal write (one event) may carry. A background job larger than this is refused at once
    /// with ERROR QUEUE_ERROR: the store could never write it, and retrying would hold every later write back.
    /// </summary>
    public long StoreMaxWrite { get; init; } = Persistence.StoreConfig.LargestWrite;
    public bool Durable => QueueType != "builtin";
    /// <summary>How long a request waits for an answer from another actor before it gets a fallback answer.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(20);
    /// <summary>
    /// The longest a request waits, sooner than <see cref="RequestTimeout"/>, when it was waiting at another member's
    /// removal or was made within this long after it: its answer may have been lost with that member.
    /// </summary>
    public TimeSpan LostRequestGrace { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>The node link and computed queue homes (gearman.node-link): broker messages between nodes go in batches.</summary>
    public bool NodeLink { get; init; } = true;
    /// <summary>
    /// The port of the node link's own TCP connections (gearman.link-port): 0 any free port, told to the other nodes;
    /// -1 none, so batches go through Akka.Remote.
    /// </summary>
    public int LinkPort { get; init; }
    /// <summary>
    /// With the link, each queue moves to the node with the most of its workers, or, before it has any, of its steady
    /// submitters (gearman.queues-follow-workers).
    /// </summary>
    public bool QueuesFollowWorkers { get; init; } = true;
    /// <summary>How long a grab waits for its queue before the worker gets NO_JOB (a late job is given back).</summary>
    public TimeSpan GrabTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Most jobs this node holds, queued or running, before new submits get ERROR QUEUE_ERROR; 0 = no limit, as
    /// gearmand. Jobs recovered from the store or moved here from a lost node are always taken in.
    /// </summary>
    public long MaxJobs { get; init; }

    /// <summary>
    /// The largest payload one message between nodes may carry: the remote frame
    /// (<c>akka.remote.dot-netty.tcp.maximum-frame-size</c>) less room for the rest of the message. See
    /// <see cref="CrossNode"/>.
    /// </summary>
    public long MaxCrossNodePayload { get; init; } = (32 << 20) - CrossNodeEnvelope;

    /// <summary>Room in a remote frame for what a message carries besides its payload (names, handles, actor paths).</summary>
    private const int CrossNodeEnvelope = 64 << 10;

    /// <summary>Most payload bytes of the jobs this node holds, as for <see cref="MaxJobs"/>; 0 = no limit.</summary>
    public long MaxJobMemory { get; init; }

    /// <summary>Addresses that may connect to the Gearman port; others are closed at once. Empty: every address.</summary>
    public AccessList Allow { get; init; } = AccessList.Everyone;

    /// <summary>
    /// Addresses that may change the server through the admin text protocol (cancel job, create and drop function,
    /// maxqueue); others get ERR PERMISSION_DENIED. Listings stay open to every connection. Empty: every address.
    /// </summary>
    public AccessList AdminAllow { get; init; } = AccessList.Everyone;

    /// <summary>
    /// A connection refused by <see cref="Allow"/> is logged at once the first time its address is refused; after
    /// that, at most one line per address per this interval carries the count of refusals not logged since.
    /// </summary>
    public TimeSpan RefusedLogInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Most addresses whose refusals are counted apart; the refusals of any more share one line (ip=*).</summary>
    public int RefusedLogAddresses { get; init; } = 1024;

    public static BrokerSettings FromConfig(Config root)
    {
        var c = root.GetConfig("gearman") ?? Config.Empty;
        var d = new BrokerSettings();
        var prefix = c.GetString("job-handle-prefix", "");
        var node = c.GetString("node-name", "");
        return new BrokerSettings
        {
            ListenHost = c.GetString("listen", d.ListenHost),
            Port = c.GetInt("port", d.Port),
            Backlog = c.GetInt("backlog", d.Backlog),
            KeepAlive = c.GetBoolean("keepalive", d.KeepAlive),
            KeepAliveIdle = c.GetInt("keepalive-idle", d.KeepAliveIdle),
            KeepAliveInterval = c.GetInt("keepalive-interval", d.KeepAliveInterval),
            KeepAliveCount = c.GetInt("keepalive-count", d.KeepAliveCount),
            JobRetries = c.GetInt("job-retries", d.JobRetries),
            WorkerWakeup = c.GetInt("worker-wakeup", d.WorkerWakeup),
            Exceptions = c.GetBoolean("exceptions", d.Exceptions),
            RoundRobin = c.GetBoolean("round-robin", d.RoundRobin),
            NodeName = string.IsNullOrEmpty(node) ? d.NodeName : node,
            // Handles must be unique in the whole cluster, and each node allocates its own: the node name keeps them apart.
            HandlePrefix = !string.IsNullOrEmpty(prefix) ? prefix : "H:" + (string.IsNullOrEmpty(node) ? d.NodeName : node),
            MaxPacketSize = Math.Clamp(c.GetLong("max-packet-size", d.MaxPacketSize), 0, uint.MaxValue),
            MaxLineLength = c.GetInt("max-line-length", d.MaxLineLength),
            OutputHighWater = c.GetInt("output-high-water", d.OutputHighWater),
            OutputLimit = Math.Max(0, c.GetByteSize("output-limit") ?? d.OutputLimit),
            Verbose = c.GetString("verbose", d.Verbose).ToUpperInvariant(),
            AdminTimeout = c.GetTimeSpan("admin-timeout", d.AdminTimeout),
            QueueType = c.GetString("queue-type", d.QueueType).ToLowerInvariant(),
            DataDir = c.GetString("data-dir", d.DataDir),
            SqliteFile = c.GetString("sqlite-file", d.SqliteFile),
            Postgres = c.GetString("postgres", d.Postgres),
            SnapshotEvery = c.GetInt("snapshot-every", d.SnapshotEvery),
            WriteBatch = c.GetInt("write-batch", d.WriteBatch),
            StoreMaxWrite = c.GetByteSize("store-max-write") is long max and > 0 ? Math.Min(max, d.StoreMaxWrite) : d.StoreMaxWrite,
            RequestTimeout = c.GetTimeSpan("request-timeout", d.RequestTimeout),
            LostRequestGrace = c.GetTimeSpan("lost-request-grace", d.LostRequestGrace),
            NodeLink = c.GetBoolean("node-link", d.NodeLink),
            LinkPort = c.GetInt("link-port", d.LinkPort),
            QueuesFollowWorkers = c.GetBoolean("queues-follow-workers", d.QueuesFollowWorkers),
            GrabTimeout = c.GetTimeSpan("grab-timeout", d.GrabTimeout),
            MaxJobs = Math.Max(0, c.GetLong("max-jobs", d.MaxJobs)),
            MaxCrossNodePayload = root.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size") is long frame and > 2 * CrossNodeEnvelope
                ? frame - CrossNodeEnvelope
                : d.MaxCrossNodePayload,
            MaxJobMemory = Math.Max(0, c.GetByteSize("max-job-memory") ?? d.MaxJobMemory),
            Allow = Access(c, "allow"),
            AdminAllow = Access(c, "admin-allow"),
            RefusedLogInterval = Positive(c.GetTimeSpan("refused-log-interval", d.RefusedLogInterval), "refused-log-interval"),
            RefusedLogAddresses = Math.Max(0, c.GetInt("refused-log-addresses", d.RefusedLogAddresses)),
        };
    }

    private static TimeSpan Positive(TimeSpan value, string key) =>
        value > TimeSpan.Zero ? value : throw new ArgumentException($"gearman.{key} must be longer than zero");

    /// <summary>A list of addresses and blocks, or one string of them separated by commas (as a flag gives it).</summary>
    private static AccessList Access(Config c, string key)
    {
        if (!c.HasPath(key)) return AccessList.Everyone;
        var value = c.GetValue(key);
        IEnumerable<string> entries = value.IsString() ? (value.GetString() ?? "").Split(',') : c.GetStringList(key) ?? [];
        try
        {
            return AccessList.Parse(entries);
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"gearman.{key}: {e.Message}", e);
        }
    }
}
