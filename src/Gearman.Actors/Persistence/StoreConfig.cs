using Akka.Configuration;
using Akka.Persistence.Sql;
using Microsoft.Data.Sqlite;

namespace Gearman.Actors.Persistence;

/// <summary>
/// Turns <c>gearman.queue-type</c> into the Akka.Persistence settings the broker needs: the SQL journal and
/// snapshot store (SQLite file or PostgreSQL), and sharding's remember-entities on the same journal, so that a
/// queue with pending jobs starts again by itself after a restart or on a new node.
/// </summary>
public static class StoreConfig
{
    public static Config Apply(Config config)
    {
        var settings = BrokerSettings.FromConfig(config);
        string connection, provider;
        switch (settings.QueueType)
        {
            case "builtin":
                return config;
            case "sqlite":
                System.IO.Directory.CreateDirectory(settings.DataDir);
                var path = Path.GetFullPath(Path.Combine(settings.DataDir, "gearman.db"));
                EnableWal(path);
                connection = $"Data Source={path}";
                provider = "SQLite.MS";
                break;
            case "postgres":
                if (string.IsNullOrWhiteSpace(settings.Postgres))
                    throw new ArgumentException("queue type postgres needs a connection string (--postgres or gearman.postgres)");
                connection = settings.Postgres;
                provider = "PostgreSQL15";
                break;
            default:
                throw new ArgumentException($"unknown queue type \"{settings.QueueType}\" (builtin, sqlite, postgres)");
        }
        var store = ConfigurationFactory.ParseString($$"""
            akka.persistence {
              journal.plugin = "akka.persistence.journal.sql"
              snapshot-store.plugin = "akka.persistence.snapshot-store.sql"
              journal.sql { connection-string = {{Quote(connection)}}, provider-name = "{{provider}}" }
              snapshot-store.sql { connection-string = {{Quote(connection)}}, provider-name = "{{provider}}" }
              query.journal.sql { connection-string = {{Quote(connection)}}, provider-name = "{{provider}}" }
            }
            akka.cluster.sharding {
              remember-entities = on
              remember-entities-store = eventsourced
              journal-plugin-id = "akka.persistence.journal.sql"
              snapshot-plugin-id = "akka.persistence.snapshot-store.sql"
            }
            """);
        return config.WithFallback(store).WithFallback(SqlPersistence.DefaultConfiguration);
    }

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
