namespace Gearman.Actors.Tests.Support;

/// <summary>
/// The HOCON of each place background jobs can live, for tests that must hold in all of them. A durable store is
/// named by a directory (SQLite) or by GEARMAN_TEST_POSTGRES (PostgreSQL); starting a broker again on the same
/// settings finds the same jobs.
/// </summary>
public sealed class StoreMode : IDisposable
{
    private readonly string? _dataDir;

    private StoreMode(string name, string hocon, string? dataDir)
    {
        Name = name;
        Hocon = hocon;
        _dataDir = dataDir;
    }

    public string Name { get; }
    public string Hocon { get; }

    public static StoreMode Create(string name)
    {
        switch (name)
        {
            case "builtin":
                return new StoreMode(name, "gearman.queue-type = builtin", null);
            case "sqlite":
                var dir = Path.Combine(Path.GetTempPath(), "gearman-store-" + Guid.NewGuid().ToString("N"));
                return new StoreMode(name, $"gearman {{ queue-type = sqlite, data-dir = \"{dir.Replace("\\", "/")}\" }}", dir);
            case "postgres":
                var connection = PostgresFactAttribute.ConnectionString ?? throw new InvalidOperationException("GEARMAN_TEST_POSTGRES is not set");
                return new StoreMode(name, $"gearman {{ queue-type = postgres, postgres = \"{connection}\" }}", null);
            default:
                throw new ArgumentException("unknown store mode " + name);
        }
    }

    public bool Durable => Name != "builtin";

    /// <summary>The SQLite store's directory; null in the other modes.</summary>
    public string? DataDir => _dataDir;

    public void Dispose()
    {
        if (_dataDir is not null && System.IO.Directory.Exists(_dataDir)) System.IO.Directory.Delete(_dataDir, recursive: true);
    }
}
