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
    public static async Task<IReadOnlyList<string>> ListAsync(BrokerSettings settings, CancellationToken ct = default)
    {
        if (StoreConfig.Stores(settings) is not { } stores) return Array.Empty<string>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        // Table names of Akka.Persistence.Sql's default table mapping. With SQLite the two live in separate files.
        await AddIdsAsync(stores.Provider, stores.Journal, "journal", ids, ct);
        await AddIdsAsync(stores.Provider, stores.Snapshots, "snapshot", ids, ct);
        return ids.Select(id => Uri.UnescapeDataString(id[QueueRevival.PersistencePrefix.Length..])).ToList();
    }

    private static async Task AddIdsAsync(string provider, string connectionString, string table, HashSet<string> ids, CancellationToken ct)
    {
        await using DbConnection connection = provider == StoreConfig.SqliteProvider
            ? new SqliteConnection(connectionString)
            : new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        // A store nothing was ever written to has no tables yet (the plugins create them on first use).
        if (!await TableExistsAsync(connection, table, ct)) return;
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT DISTINCT persistence_id FROM {table} WHERE persistence_id LIKE @prefix";
        var prefix = command.CreateParameter();
        prefix.ParameterName = "@prefix";
        prefix.Value = QueueRevival.PersistencePrefix + "%";
        command.Parameters.Add(prefix);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) ids.Add(reader.GetString(0));
    }

    private static async Task<bool> TableExistsAsync(DbConnection connection, string table, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = connection is SqliteConnection
            ? "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = @table"
            : "SELECT count(*) FROM information_schema.tables WHERE table_name = @table";
        var name = command.CreateParameter();
        name.ParameterName = "@table";
        name.Value = table;
        command.Parameters.Add(name);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct)) > 0;
    }
}
