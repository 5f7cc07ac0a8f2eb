using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Gearman.Actors.Persistence;

/// <summary>
/// Names the queues that have anything in the store, straight from the journal and snapshot tables. The
/// persistence query API would do the same, but its read journal keeps a sequence-tracking actor polling the
/// journal for as long as the node runs, which costs a tenth of the CPU under a steady stream of writes.
/// </summary>
public static class JournaledQueues
{
    /// <summary>Table names of Akka.Persistence.Sql's default table mapping.</summary>
    private const string Query =
        "SELECT persistence_id FROM journal WHERE persistence_id LIKE @prefix " +
        "UNION SELECT persistence_id FROM snapshot WHERE persistence_id LIKE @prefix";

    public static async Task<IReadOnlyList<string>> ListAsync(BrokerSettings settings, CancellationToken ct = default)
    {
        if (StoreConfig.Connection(settings) is not { } store) return Array.Empty<string>();
        var (provider, connectionString) = store;
        await using DbConnection connection = provider == StoreConfig.SqliteProvider
            ? new SqliteConnection(connectionString)
            : new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        // A store nothing was ever written to has no tables yet (the journal creates them on first use).
        if (!await TablesExist(connection, ct)) return Array.Empty<string>();
        await using var command = connection.CreateCommand();
        command.CommandText = Query;
        var prefix = command.CreateParameter();
        prefix.ParameterName = "@prefix";
        prefix.Value = QueueRevival.PersistencePrefix + "%";
        command.Parameters.Add(prefix);
        var functions = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            functions.Add(Uri.UnescapeDataString(reader.GetString(0)[QueueRevival.PersistencePrefix.Length..]));
        return functions;
    }

    private static async Task<bool> TablesExist(DbConnection connection, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = connection is SqliteConnection
            ? "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('journal', 'snapshot')"
            : "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('journal', 'snapshot')";
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct)) >= 2;
    }
}
