using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Persistence.Sql;
using Akka.Persistence.Sql.Config;
using LinqToDB;
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
    public const string JournalPluginId = "akka.persistence.journal.sql";
    public const string SnapshotPluginId = "akka.persistence.snapshot-store.sql";

    /// <summary>
    /// The largest journal event either store takes, with room for the event's other columns: SQLite refuses a value
    /// over 1,000,000,000 bytes (SQLITE_MAX_LENGTH, "string or blob too big") and PostgreSQL a bytea over 1 GiB.
    /// </summary>
    public const long LargestWrite = 1_000_000_000 - (1 << 20);

    /// <summary>How long a SQLite statement waits for another writer's lock before it fails.</summary>
    private const int SqliteBusyTimeoutMs = 30_000;

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

    /// <summary>
    /// Where the journal and the snapshots of the configured store live (the same database but for SQLite, which
    /// keeps snapshots in a file of their own); null for builtin.
    /// </summary>
    public static (string Provider, string Journal, string Snapshots)? Stores(BrokerSettings settings)
    {
        if (Connection(settings) is not { } store) return null;
        var (provider, connection) = store;
        return provider == SqliteProvider ? (provider, connection, $"Data Source={SnapshotPath(settings)}") : (provider, connection, connection);
    }

    public static Config Apply(Config config)
    {
        var settings = BrokerSettings.FromConfig(config);
        if (Connection(settings) is not { } store) return config;
        var (provider, connection) = store;
        var snapshots = connection;
        // A SQLite file takes one writer at a time: more journal writes in parallel only queue on its lock.
        var parallelism = 3;
        if (provider == SqliteProvider)
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(SqlitePath(settings))!);
            EnableWal(SqlitePath(settings));
            var snapshotPath = SnapshotPath(settings);
            EnableWal(snapshotPath);
            snapshots = $"Data Source={snapshotPath}";
            parallelism = 1;
        }
        var plugins = ConfigurationFactory.ParseString($$"""
            akka.persistence {
              journal.plugin = "akka.persistence.journal.sql"
              snapshot-store.plugin = "akka.persistence.snapshot-store.sql"
              # Started with the node, so creating the tables and warming the database layer is not paid by the first submits.
              journal.auto-start-journals = ["akka.persistence.journal.sql"]
              snapshot-store.auto-start-snapshot-stores = ["akka.persistence.snapshot-store.sql"]
              # After a database outage a queue retries its store every few seconds (FunctionQueue.Store.cs); the
              # breaker's default 30 s of failing fast would keep it out for that long after the database is back.
              journal.sql { connection-string = {{Quote(connection)}}, provider-name = "{{provider}}", use-clone-connection = false, parallelism = {{parallelism}}, circuit-breaker.reset-timeout = 5s }
              snapshot-store.sql { connection-string = {{Quote(snapshots)}}, provider-name = "{{provider}}", circuit-breaker.reset-timeout = 5s }
            }
            """);
        return config.WithFallback(plugins).WithFallback(SqlPersistence.DefaultConfiguration);
    }

    /// <summary>
    /// The connection options HOCON cannot carry, as an ActorSystem setup for <see cref="Akka.Actor.ActorSystem"/>'s
    /// creation: the linq2db provider that builds an insert's SQL once (<see cref="PlainInserts"/>) for the journal
    /// and the snapshot store, and for SQLite a busy timeout on every connection. Null for builtin.
    /// <paramref name="complete"/> is a config that went through <see cref="Apply"/>.
    /// </summary>
    public static Setup? DataOptionsSetup(Config complete)
    {
        var name = complete.GetString($"{JournalPluginId}.provider-name", "");
        if (name != SqliteProvider && name != PostgresProvider) return null;
        var setup = new MultiDataOptionsSetup();
        // Shared by the journal and the snapshot store: a provider holds no per-connection state.
        LinqToDB.DataProvider.IDataProvider provider = name == SqliteProvider ? new SqliteJournalProvider() : new PostgresJournalProvider();
        foreach (var plugin in new[] { JournalPluginId, SnapshotPluginId })
        {
            var options = new DataOptions()
                .UseConnectionString(provider, complete.GetString($"{plugin}.connection-string"))
                // The plugin picks its table mapping by provider name, which a provider instance alone leaves unset.
                .UseProvider(name);
            if (name == SqliteProvider) options = options.UseInterceptor(new SqliteBusyTimeout(SqliteBusyTimeoutMs));
            setup.AddDataOptions(plugin, options);
        }
        return setup;
    }

    private static string SqlitePath(BrokerSettings settings) =>
        Path.GetFullPath(settings.SqliteFile is { Length: > 0 } file ? file : Path.Combine(settings.DataDir, "gearman.db"));

    /// <summary>
    /// Snapshots have a file of their own, so that writing one (all of a queue's pending jobs, megabytes for a long
    /// queue) never holds the journal's lock while submits wait for their writes. A data directory whose snapshots
    /// are still in the journal's file from an earlier version keeps them there: its journal no longer holds the
    /// events those snapshots replaced.
    /// </summary>
    private static string SnapshotPath(BrokerSettings settings)
    {
        var journal = SqlitePath(settings);
        var own = Path.Combine(Path.GetDirectoryName(journal)!, Path.GetFileNameWithoutExtension(journal) + "-snapshots" + Path.GetExtension(journal));
        return File.Exists(own) || !HasSnapshots(journal) ? own : journal;
    }

    private static bool HasSnapshots(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'snapshot')";
        if (Convert.ToInt64(command.ExecuteScalar()) == 0) return false;
        command.CommandText = "SELECT EXISTS (SELECT 1 FROM snapshot)";
        return Convert.ToInt64(command.ExecuteScalar()) != 0;
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
