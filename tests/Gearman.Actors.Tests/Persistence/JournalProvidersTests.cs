using System.Data.Common;
using Akka.Configuration;
using Akka.Persistence.Sql.Config;
using Gearman.Actors.Hosting;
using Gearman.Actors.Persistence;
using Gearman.Actors.Tests.Support;
using LinqToDB;
using LinqToDB.Data;
using LinqToDB.Interceptors;
using LinqToDB.Mapping;
using Microsoft.Data.Sqlite;

namespace Gearman.Actors.Tests.Persistence;

/// <summary>
/// The store's linq2db providers (SQLite; PostgreSQL where a server is given) build a plain insert's SQL once and
/// reuse it, with nulls and values alike, while statements whose text depends on a null (a comparison becomes
/// IS NULL) are still built for each run.
/// </summary>
public sealed class JournalProvidersTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "gearman-provider-" + Guid.NewGuid().ToString("N"));
    private readonly CommandTexts _texts = new();
    private readonly DataOptions _options;
    private readonly DataConnection _db;

    public JournalProvidersTests()
    {
        var config = GearmanBroker.CompleteConfig(ConfigurationFactory.ParseString(
            $"gearman {{ queue-type = sqlite, data-dir = \"{_dataDir.Replace("\\", "/")}\" }}"));
        var setup = Assert.IsType<MultiDataOptionsSetup>(StoreConfig.DataOptionsSetup(config));
        Assert.True(setup.TryGetDataOptionsFor(StoreConfig.JournalPluginId, out var options));
        // Comparisons that turn into IS NULL when their parameter is null: the case where a statement's text does
        // depend on a value, so it must still be built for each run.
        _options = options!.UseInterceptor(_texts).UseCompareNulls(CompareNulls.LikeSqlExceptParameters);
        _db = new DataConnection(_options);
        _db.CreateTable<Row>();
    }

    public void Dispose()
    {
        _db.Dispose();
        SqliteConnection.ClearAllPools();
        try { System.IO.Directory.Delete(_dataDir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void A_plain_insert_is_built_once_and_binds_nulls_and_values_alike()
    {
        var rows = new[]
        {
            new Row { Id = 1, Name = "a", Blob = [1, 2] },
            new Row { Id = 2, Name = null, Blob = null },
            new Row { Id = 3, Name = "c", Blob = [3] },
        };
        _texts.Clear();
        foreach (var row in rows)
        {
            // A connection per write, as the journal does: a reused command would keep its first text anyway.
            using var db = new DataConnection(_options);
            db.Insert(row);
        }

        var inserts = _texts.Seen.Where(t => t.StartsWith("INSERT", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, inserts.Count);
        // The same string object each time: the text came from linq2db's cache, not from building it again.
        Assert.Same(inserts[0], inserts[1]);
        Assert.Same(inserts[0], inserts[2]);

        var back = _db.GetTable<Row>().OrderBy(r => r.Id).ToList();
        Assert.Equal(["a", null, "c"], back.Select(r => r.Name));
        Assert.Equal([1, 2], back[0].Blob);
        Assert.Null(back[1].Blob);
    }

    [Fact]
    public void A_query_comparing_with_a_null_is_still_written_for_that_null()
    {
        _db.Insert(new Row { Id = 1, Name = "a" });
        _db.Insert(new Row { Id = 2, Name = null });

        string? name = "a";
        Assert.Equal([1L], _db.GetTable<Row>().Where(r => r.Name == name).Select(r => r.Id).ToList());
        name = null;
        Assert.Equal([2L], _db.GetTable<Row>().Where(r => r.Name == name).Select(r => r.Id).ToList());
    }

    [Fact]
    public void Updates_and_inserts_from_a_query_still_follow_a_null_in_their_condition()
    {
        _db.Insert(new Row { Id = 1, Name = "a" });
        _db.Insert(new Row { Id = 2, Name = null });

        string? name = "a";
        Assert.Equal(1, _db.GetTable<Row>().Where(r => r.Name == name).Set(r => r.Blob, new byte[] { 7 }).Update());
        name = null;
        Assert.Equal(1, _db.GetTable<Row>().Where(r => r.Name == name).Set(r => r.Blob, new byte[] { 8 }).Update());
        Assert.Equal([8], _db.GetTable<Row>().Single(r => r.Id == 2).Blob);

        name = "a";
        Assert.Equal(1, _db.GetTable<Row>().Where(r => r.Name == name).Insert(_db.GetTable<Row>(), r => new Row { Id = r.Id + 10, Name = r.Name }));
        name = null;
        Assert.Equal(1, _db.GetTable<Row>().Where(r => r.Name == name).Insert(_db.GetTable<Row>(), r => new Row { Id = r.Id + 10, Name = r.Name }));
        Assert.Equal([1L, 2L, 11L, 12L], _db.GetTable<Row>().OrderBy(r => r.Id).Select(r => r.Id).ToList());
    }

    [PostgresFact]
    public void The_postgres_store_builds_a_plain_insert_once_too()
    {
        var connection = PostgresFactAttribute.ConnectionString ?? throw new InvalidOperationException("GEARMAN_TEST_POSTGRES is not set");
        var config = GearmanBroker.CompleteConfig(ConfigurationFactory.ParseString(
            $"gearman {{ queue-type = postgres, postgres = \"{connection}\" }}"));
        var setup = Assert.IsType<MultiDataOptionsSetup>(StoreConfig.DataOptionsSetup(config));
        Assert.True(setup.TryGetDataOptionsFor(StoreConfig.JournalPluginId, out var options));
        var texts = new CommandTexts();
        options = options!.UseInterceptor(texts);
        var table = "provider_test_" + Guid.NewGuid().ToString("N");
        using (var db = new DataConnection(options)) db.CreateTable<Row>(table);
        try
        {
            foreach (var row in new[] { new Row { Id = 1, Name = "a", Blob = [1] }, new Row { Id = 2 }, new Row { Id = 3, Name = "c" } })
            {
                using var db = new DataConnection(options);
                db.Insert(row, table);
            }
            var inserts = texts.Seen.Where(t => t.StartsWith("INSERT", StringComparison.Ordinal)).ToList();
            Assert.Equal(3, inserts.Count);
            Assert.Same(inserts[0], inserts[1]);
            Assert.Same(inserts[0], inserts[2]);
            using var check = new DataConnection(options);
            Assert.Equal(["a", null, "c"], check.GetTable<Row>().TableName(table).OrderBy(r => r.Id).Select(r => r.Name).ToList());
        }
        finally
        {
            using var db = new DataConnection(options);
            db.DropTable<Row>(table);
        }
    }

    [Table("provider_test")]
    private sealed class Row
    {
        [PrimaryKey] public long Id { get; set; }
        [Column, Nullable] public string? Name { get; set; }
        [Column, Nullable] public byte[]? Blob { get; set; }
    }

    private sealed class CommandTexts : CommandInterceptor
    {
        public List<string> Seen { get; } = new();

        public void Clear() => Seen.Clear();

        public override DbCommand CommandInitialized(CommandEventData eventData, DbCommand command)
        {
            Seen.Add(command.CommandText);
            return command;
        }
    }
}
