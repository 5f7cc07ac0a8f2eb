using Akka.Configuration;
using Akka.Persistence.Sql;
using Microsoft.Data.Sqlite;

namespace Gearman.Actors.Persistence;

/// <summary>
/// Turns <c>gearman.queue-type</c> into the Akka.Persistence settings the broker needs: the SQL journal and
/// snapshot store (SQLite file or PostgreSQL). Queues with pending jobs are started again by <see cref="QueueRevival"/>.
/// </summary>
public static class StoreConfig
{
    public const string SqliteProvider = "SQLite.MS";
    public const string PostgresProvider = "PostgreSQL15";

    /// <summary>The linq2db provider name and connection string of the configured store; null for builtin.</summary>
    public static (string Provider, string Connection)? Connection(BrokerSettings settings) => settings.QueueType switch
    {
        "builtin" => null,
        "sqlite" => (SqliteProvider, $"Data Source={SqlitePath(settings)}"),
        "postgres" when string.IsNullOrWhiteSpace(settings.Postgres) =>
            throw new ArgumentException("queue type postgres needs a connection string (--postgres or gearman.postgres)"),
        "postgres" => (PostgresProvider, settings.Postgres),
        _ => throw new ArgumentException($"unknown queue type \"{settings.QueueType}\" (builtin, sqlite, postgres)"),
    };

    public static Config Apply(Config config)
    {
        var settings = BrokerSettings.FromConfig(config);
        if (Connection(settings) is not { } store) return config;
        var (provider, connection) = store;
        if (provider == SqliteProvider)
        {
            System.IO.Directory.CreateDirectory(settings.DataDir);
            EnableWal(SqlitePath(settings));
        }
        var plugins = ConfigurationFactory.ParseString($$"""
            akka.persistence {
              journal.plugin = "akka.persistence.journal.sql"
              snapshot-store.plugin = "akka.persistence.snapshot-store.sql"
              # Started with the node, so creating the tables and warming the database layer is not paid by the first submits.
              journal.auto-start-journals = ["akka.persistence.journal.sql"]
              snapshot-store.auto-start-snapshot-stores = ["akka.persistence.snapshot-store.sql"]
              journal.sql { connection-string = {{Quote(connection)}}, provider-name = "{{provider}}", use-clone-connection = false }
              snapshot-store.sql { connection-string = {{Quote(connection)}}, provider-name = "{{provider}}" }
            }
            """);
        return config.WithFallback(plugins).WithFallback(SqlPersistence.DefaultConfiguration);
    }

    private static string SqlitePath(BrokerSettings settings) => Path.GetFullPath(Path.Combine(settings.DataDir, "gearman.db"));

    /// <summary>WAL lets readers and the writer work at once; Microsoft.Data.Sqlite only takes it as a pragma, which the file keeps.</summary>
    private static void EnableWal(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        command.ExecuteNonQuery();
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
