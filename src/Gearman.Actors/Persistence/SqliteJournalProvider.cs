using LinqToDB;
using LinqToDB.DataProvider.SQLite;
using LinqToDB.Internal.DataProvider.SQLite;
using LinqToDB.Internal.SqlProvider;
using LinqToDB.Internal.SqlQuery;
using LinqToDB.Mapping;

namespace Gearman.Actors.Persistence;

/// <summary>
/// linq2db's SQLite provider (Microsoft.Data.Sqlite) for the store, with one change: the SQL text of a plain
/// <c>INSERT … VALUES</c> is built once and then reused.
/// <para>
/// linq2db keeps a statement's SQL only if, on its first run, nothing in it could depend on a parameter's value, and
/// it counts every parameter of a nullable or reference type (a string, a byte array) as something that could. So
/// the journal's one-row insert had its SQL optimised and written out again on every write: in a perf profile of
/// durable bg-submit that was 43 % of the write's CPU samples, on the critical path of every write. An insert of
/// parameter values has no condition for a null to change: a null is bound as NULL and the text stays the same.
/// Every other statement keeps linq2db's rule, and a comparison with a parameter is still judged by linq2db itself.
/// </para>
/// </summary>
internal sealed class SqliteJournalProvider : SQLiteDataProvider
{
    private readonly ISqlOptimizer _optimizer;

    public SqliteJournalProvider() : base(StoreConfig.SqliteProvider, SQLiteProvider.Microsoft) =>
        _optimizer = new PlainInsertOptimizer(SqlProviderFlags);

    public override ISqlOptimizer GetSqlOptimizer(DataOptions dataOptions) => _optimizer;

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

    private sealed class PlainInsertOptimizer(SqlProviderFlags flags) : SQLiteSqlOptimizer(flags)
    {
        /// <summary>
        /// linq2db asks this of every element of a statement, the statement itself first (a pre-order search that
        /// stops at the first "yes"), always on the asking thread; so the statement's answer holds for the
        /// parameters that follow it.
        /// </summary>
        [ThreadStatic] private static bool t_inPlainInsert;

        public override bool IsParameterDependedElement(NullabilityContext nullability, IQueryElement element,
            DataOptions dataOptions, MappingSchema mappingSchema)
        {
            if (element is SqlStatement statement) t_inPlainInsert = IsPlainInsert(statement);
            else if (t_inPlainInsert && element is SqlParameter { IsQueryParameter: true }) return false;
            return base.IsParameterDependedElement(nullability, element, dataOptions, mappingSchema);
        }
    }
}
