using System.Collections.Concurrent;

namespace Gearman.Actors.Directory;

/// <summary>What `workers` lists about one connection; replaced whole when it changes.</summary>
public sealed record ConnectionInfo(long Id, string Ip, string ClientId, IReadOnlyList<string> Functions);

/// <summary>The node's live connections, for the `workers` admin command.</summary>
public sealed class ConnectionRegistry
{
    private readonly ConcurrentDictionary<long, ConnectionInfo> _connections = new();
    private long _nextId;

    public long NextId() => Interlocked.Increment(ref _nextId);

    public void Update(ConnectionInfo info) => _connections[info.Id] = info;

    public void Remove(long id) => _connections.TryRemove(id, out _);

    public IEnumerable<ConnectionInfo> All => _connections.Values.OrderBy(c => c.Id);
}
