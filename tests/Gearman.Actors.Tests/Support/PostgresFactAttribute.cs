namespace Gearman.Actors.Tests.Support;

/// <summary>
/// A test that needs a PostgreSQL server, named by GEARMAN_TEST_POSTGRES (a connection string, as `.ci/run` sets
/// it). Without one the test is skipped with the reason, except on CI (CI=true), where it runs and fails.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PostgresFactAttribute : FactAttribute
{
    public static string? ConnectionString => Environment.GetEnvironmentVariable("GEARMAN_TEST_POSTGRES") is { Length: > 0 } s ? s : null;

    public PostgresFactAttribute()
    {
        if (ConnectionString is null && !RealTools.IsCi) Skip = "no PostgreSQL: set GEARMAN_TEST_POSTGRES to a connection string";
    }
}
