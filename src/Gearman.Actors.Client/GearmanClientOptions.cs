using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gearman.Actors.Client;

/// <summary>How a <see cref="GearmanClient"/> connects.</summary>
public sealed class GearmanClientOptions
{
    /// <summary>
    /// The job servers, tried in order: the client uses one connection at a time, moves to the next server when a
    /// connect fails or the connection is lost, and wraps around.
    /// </summary>
    public IList<ServerAddress> Servers { get; } = new List<ServerAddress>();

    /// <summary>How long one connect attempt may take.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Ask the server for WORK_EXCEPTION packets (OPTION_REQ "exceptions"), so that a worker's exception text reaches
    /// the caller as <see cref="GearmanJobException"/>. Without it the server turns them into WORK_FAIL.
    /// </summary>
    public bool ReceiveExceptions { get; set; } = true;

    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;
}
