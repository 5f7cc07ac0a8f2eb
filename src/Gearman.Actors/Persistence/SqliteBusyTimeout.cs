using System.Data.Common;
using LinqToDB.Interceptors;
using Microsoft.Data.Sqlite;

namespace Gearman.Actors.Persistence;

/// <summary>
/// Makes SQLite wait for a lock itself instead of reporting it busy at once. A SQLite file has one writer at a
/// time; without a busy timeout a second writer (a snapshot beside a journal write, a delete of old events) gets
/// SQLITE_BUSY, on which Microsoft.Data.Sqlite sleeps 150 ms before it tries again, which every submit behind that
/// write then waits out. SQLite's own wait retries within a millisecond or two.
/// </summary>
public sealed class SqliteBusyTimeout(int milliseconds) : ConnectionInterceptor
{
    public override void ConnectionOpened(ConnectionEventData eventData, DbConnection connection) => Apply(connection);

    public override Task ConnectionOpenedAsync(ConnectionEventData eventData, DbConnection connection, CancellationToken cancellationToken)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private void Apply(DbConnection connection)
    {
        if (connection is SqliteConnection { Handle: { } handle }) SQLitePCL.raw.sqlite3_busy_timeout(handle, milliseconds);
    }
}
