using LinqToDB;
using LinqToDB.DataProvider.PostgreSQL;
using LinqToDB.DataProvider.SQLite;
using LinqToDB.Internal.DataProvider.PostgreSQL;
using LinqToDB.Internal.DataProvider.SQLite;
using LinqToDB.Internal.SqlProvider;
using LinqToDB.Internal.SqlQuery;
using LinqToDB.Mapping;

namespace Gearman.Actors.Persistence;

/// <summary>
/// The store's rule for linq2db: the SQL text of a plain <c>INSERT … VALUES</c> is built once and then reused.
/// <para>
/// linq2db keeps a statement's SQL only if, on its first run, nothing in it could depend on a parameter's value, and
/// it counts every parameter of a nullable or reference type (a string, a byte array) as something that could. So
/// the journal's one-row insert had its SQL optimised and written out again on every write: in a perf profile of
/// durable bg-submit on SQLite that was 43 % of the write's CPU samples, on the critical path of every write. An
/// insert of parameter values has no condition for a null to change: a null is bound as NULL and the text stays the
/// same. Every other statement keeps linq2db's rule, and a comparison with a parameter is still judged by linq2db.
/// </para>
/// </summary>
internal static class PlainInserts
{
    /// <summary>
    /// linq2db asks its optimiser about every element of a statement, the statement itself first (a pre-order search
    /// that stops at the first "yes"), always on the asking thread; so the statement's answer holds for the
    /// parameters that follow it.
    /// </summary>
    [ThreadStatic] private static bool t_inPlainInsert;

    /// <summary>False for a parameter of a plain insert; null where linq2db's own rule decides.</summary>
    public static bool? IsParameterDependent(IQueryElement element)
    {
        if (element is SqlStatement statement) t_inPlainInsert = IsPlainInsert(statement);
        else if (t_inPlainInsert && element is SqlParameter { IsQueryParameter: true }) return false;
        return null;
    }

    /// <summary>True for an INSERT whose values are all parameters or constants: nothing in its text depends on a value.</summary>
    private static bool IsPlainInsert(SqlStatement statement)
    {
        if (statement is not SqlInsertStatement { Output: null, With: null } insert) return false;
        var query = insert.SelectQuery!;
        if (query.From.Tables.Count > 0 || !query.Where.IsEmpty) return false;
        foreach (var item in insert.Insert.Items)
            if (item.Expression is not (SqlParameter or SqlValue)) return false;
        return true;
    }
}

/// <summary>linq2db's SQLite provider (Microsoft.Data.Sqlite) with <see cref="PlainInserts"/>.</summary>
internal sealed class SqliteJournalProvider : SQLiteDataProvider
{
    private readonly ISqlOptimizer _optimizer;

    public SqliteJournalProvider() : base(StoreConfig.SqliteProvider, SQLiteProvider.Microsoft) =>
        _optimizer = new Optimizer(SqlProviderFlags);

    public override ISqlOptimizer GetSqlOptimizer(DataOptions dataOptions) => _optimizer;

    private sealed class Optimizer(SqlProviderFlags flags) : SQLiteSqlOptimizer(flags)
    {
        public override bool IsParameterDependedElement(NullabilityContext nullability, IQueryElement element,
            DataOptions dataOptions, MappingSchema mappingSchema) =>
            PlainInserts.IsParameterDependent(element) ?? base.IsParameterDependedElement(nullability, element, dataOptions, mappingSchema);
    }
}

/// <summary>linq2db's PostgreSQL 15 provider (Npgsql) with <see cref="PlainInserts"/>.</summary>
internal sealed class PostgresJournalProvider : PostgreSQLDataProvider
{
    private readonly ISqlOptimizer _optimizer;

    public PostgresJournalProvider() : base(ProviderName.PostgreSQL15, PostgreSQLVersion.v15) =>
        _optimizer = new Optimizer(SqlProviderFlags);

    public override ISqlOptimizer GetSqlOptimizer(DataOptions dataOptions) => _optimizer;

    private sealed class Optimizer(SqlProviderFlags flags) : PostgreSQLSqlOptimizer(flags)
    {
        public override bool IsParameterDependedElement(NullabilityContext nullability, IQueryElement element,
            DataOptions dataOptions, MappingSchema mappingSchema) =>
            PlainInserts.IsParameterDependent(element) ?? base.IsParameterDependedElement(nullability, element, dataOptions, mappingSchema);
    }
}
