using Akka.Configuration;
using Akka.Persistence.Sql.Config;
using Gearman.Actors.Hosting;
using Gearman.Actors.Persistence;
using LinqToDB;
using LinqToDB.Data;
using Microsoft.Data.Sqlite;

namespace Gearman.Actors.Tests.Persistence;

/// <summary>How a SQLite store is laid out and connected: one writer for the journal's file, snapshots in a file of
/// their own (unless an older data directory keeps them with the journal), and SQLite waiting for locks itself.</summary>
public sealed class StoreConfigTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "gearman-store-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { System.IO.Directory.Delete(_dataDir, recursive: true); } catch (IOException) { }
    }

    private Config Complete(string queueType = "sqlite") => GearmanBroker.CompleteConfig(ConfigurationFactory.ParseString(
        $"gearman {{ queue-type = {queueType}, data-dir = \"{_dataDir.Replace("\\", "/")}\", postgres = \"Host=localhost\" }}"));

    [Fact]
    public void A_new_data_directory_keeps_snapshots_apart_from_the_journal_which_has_one_writer()
    {
        var config = Complete();
        Assert.EndsWith("gearman.db", config.GetString("akka.persistence.journal.sql.connection-string"));
        Assert.EndsWith("gearman-snapshots.db", config.GetString("akka.persistence.snapshot-store.sql.connection-string"));
        Assert.Equal(1, config.GetInt("akka.persistence.journal.sql.parallelism"));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public void The_store_plugins_fail_fast_no_longer_than_a_queue_waits_to_retry_its_store(string queueType)
    {
        // Akka.Persistence's default is 30 s, which would keep queues without a store that long after an outage.
        var config = Complete(queueType);
        Assert.Equal(TimeSpan.FromSeconds(5), config.GetTimeSpan("akka.persistence.journal.sql.circuit-breaker.reset-timeout"));
        Assert.Equal(TimeSpan.FromSeconds(5), config.GetTimeSpan("akka.persistence.snapshot-store.sql.circuit-breaker.reset-timeout"));
    }

    [Fact]
    public void A_data_directory_with_snapshots_in_the_journal_file_keeps_them_there()
    {
        System.IO.Directory.CreateDirectory(_dataDir);
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(_dataDir, "gearman.db")}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE snapshot (persistence_id TEXT); INSERT INTO snapshot VALUES ('gearman-queue-fn%3Aold');";
            command.ExecuteNonQuery();
        }

        var config = Complete();
        Assert.EndsWith("gearman.db", config.GetString("akka.persistence.snapshot-store.sql.connection-string"));
        Assert.False(File.Exists(Path.Combine(_dataDir, "gearman-snapshots.db")));
    }

    [Fact]
    public void Every_sqlite_connection_of_the_store_waits_for_locks_instead_of_failing_at_once()
    {
        var setup = Assert.IsType<MultiDataOptionsSetup>(StoreConfig.DataOptionsSetup(Complete()));
        foreach (var plugin in new[] { StoreConfig.JournalPluginId, StoreConfig.SnapshotPluginId })
        {
            Assert.True(setup.TryGetDataOptionsFor(plugin, out var options));
            using var db = new DataConnection(options!);
            Assert.Equal(30_000L, db.Execute<long>("PRAGMA busy_timeout"));
        }
    }

    [Fact]
    public void Builtin_needs_no_connection_options_and_postgres_gets_the_store_provider()
    {
        Assert.Null(StoreConfig.DataOptionsSetup(Complete("builtin")));
        var setup = Assert.IsType<MultiDataOptionsSetup>(StoreConfig.DataOptionsSetup(Complete("postgres")));
        foreach (var plugin in new[] { StoreConfig.JournalPluginId, StoreConfig.SnapshotPluginId })
        {
            Assert.True(setup.TryGetDataOptionsFor(plugin, out var options));
            Assert.IsType<PostgresJournalProvider>(options!.ConnectionOptions.DataProvider);
            Assert.Equal(StoreConfig.PostgresProvider, options.ConnectionOptions.ProviderName);
            Assert.Equal("Host=localhost", options.ConnectionOptions.ConnectionString);
        }
    }
}
