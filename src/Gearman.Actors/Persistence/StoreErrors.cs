using Microsoft.Data.Sqlite;
using Npgsql;

namespace Gearman.Actors.Persistence;

/// <summary>
/// Tells a write the store refuses for good from one it may take later. Retrying a refused write would hold every
/// later write of its queue back for ever; a database that is down, busy or full is worth waiting for.
/// </summary>
internal static class StoreErrors
{
    // SQLite's result codes that name the data, not the database: string or blob too big, constraint, datatype
    // mismatch, bind index out of range (https://sqlite.org/rescode.html).
    private const int SqliteTooBig = 18;
    private const int SqliteConstraint = 19;
    private const int SqliteMismatch = 20;
    private const int SqliteRange = 25;

    /// <summary>The reason the store refused the data for good, or null when the failure may pass.</summary>
    public static string? Refusal(Exception cause)
    {
        foreach (var e in Chain(cause))
        {
            switch (e)
            {
                case SqliteException { SqliteErrorCode: SqliteTooBig or SqliteConstraint or SqliteMismatch or SqliteRange } s:
                    return s.Message;
                // PostgreSQL's classes 22 (data exception), 23 (integrity constraint) and 54 (program limit exceeded).
                case PostgresException p when p.SqlState.StartsWith("22") || p.SqlState.StartsWith("23") || p.SqlState.StartsWith("54"):
                    return p.MessageText;
            }
        }
        return null;
    }

    private static IEnumerable<Exception> Chain(Exception cause)
    {
        var pending = new Stack<Exception>();
        pending.Push(cause);
        while (pending.Count > 0)
        {
            var e = pending.Pop();
            yield return e;
            if (e is AggregateException a) foreach (var inner in a.InnerExceptions) pending.Push(inner);
            else if (e.InnerException is { } inner) pending.Push(inner);
        }
    }
}
