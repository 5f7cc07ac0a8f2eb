namespace Gearman.Actors.Client.Internal;

/// <summary>
/// The client's server list: where to connect next. Like libgearman, a failed connect moves on to the next server,
/// and so does a lost connection, so a server that went away is tried again only after the others.
/// </summary>
internal sealed class ServerRotation
{
    private readonly ServerAddress[] _servers;
    private int _next;

    public ServerRotation(IEnumerable<ServerAddress> servers)
    {
        _servers = servers.ToArray();
        if (_servers.Length == 0) throw new ArgumentException("at least one server is needed", nameof(servers));
    }

    public IReadOnlyList<ServerAddress> Servers => _servers;

    /// <summary>Connects to the first server, from the current position, that accepts; each is tried once.</summary>
    public async Task<PacketConnection> ConnectAsync(TimeSpan timeout, CancellationToken cancel)
    {
        var failures = new List<(ServerAddress, Exception)>();
        for (var i = 0; i < _servers.Length; i++)
        {
            var at = (Volatile.Read(ref _next) + i) % _servers.Length;
            var server = _servers[at];
            try
            {
                var connection = await PacketConnection.ConnectAsync(server, timeout, cancel).ConfigureAwait(false);
                Volatile.Write(ref _next, at);
                return connection;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancel.IsCancellationRequested)
            {
                failures.Add((server, ex));
            }
        }
        throw new GearmanConnectException(failures);
    }

    /// <summary>The connection to <paramref name="server"/> was lost: start with the one after it next time.</summary>
    public void Lost(ServerAddress server)
    {
        var at = Array.IndexOf(_servers, server);
        if (at >= 0) Interlocked.CompareExchange(ref _next, (at + 1) % _servers.Length, at);
    }
}
