using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gearman.Actors.Client;

/// <summary>How a <see cref="GearmanWorker"/> connects and how much it runs at once.</summary>
public sealed class GearmanWorkerOptions
{
    /// <summary>The job servers. A worker connects to every one of them (a job waits on exactly one).</summary>
    public IList<ServerAddress> Servers { get; } = new List<ServerAddress>();

    /// <summary>
    /// How many jobs may run at once, over all servers. With no CAN_DO_TIMEOUT function, each server gets one
    /// connection that holds up to this many jobs; with one, each server gets this many connections of one job each,
    /// because gearmand keeps a single timeout timer per connection.
    /// </summary>
    public int MaxConcurrentJobs { get; set; } = 1;

    /// <summary>SET_CLIENT_ID: the name admin tools show for this worker's connections. Null sends none.</summary>
    public string? ClientId { get; set; }

    /// <summary>
    /// A handler that throws sends WORK_EXCEPTION with the exception's message (servers pass it to clients that asked
    /// for exceptions and WORK_FAIL to the rest). False sends WORK_FAIL only.
    /// </summary>
    public bool ReportExceptions { get; set; } = true;

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The first wait before reconnecting to a server; it doubles after each failure up to <see cref="MaxReconnectDelay"/>.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(5);

    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;
}
