using System.Data.Common;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CrsMonitor.Service.Storage;

/// <summary>The few provider error codes CrsMonitor acts on, in one place.</summary>
public static class DbErrors
{
    private const int SqliteConstraint = 19;
    private const int SqliteConstraintPrimaryKey = 1555;
    private const int SqliteConstraintUnique = 2067;
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteNoMemory = 7;
    private const int SqliteReadOnly = 8;
    private const int SqliteIoError = 10;
    private const int SqliteCorrupt = 11;
    private const int SqliteFull = 13;
    private const int SqliteCantOpen = 14;
    private const int SqliteProtocol = 15;
    private const int SqliteNotADatabase = 26;

    /// <summary>
    /// SQL Server errors that mean the server is unavailable: timeout (-2), network errors (-1, 2, 53, 64, 233, 10053,
    /// 10054, 10060, 11001), deadlock victim (1205), lock timeout (1222), cannot open database (4060), log or disk full
    /// (9002, 1105), out of memory (701, 8645), Azure SQL transient errors (40197, 40501, 40613, 49918, 49919, 49920).
    /// </summary>
    private static readonly HashSet<int> SqlServerUnavailable =
        [-2, -1, 2, 53, 64, 233, 701, 1105, 1205, 1222, 4060, 8645, 9002, 10053, 10054, 10060, 11001, 40197, 40501, 40613, 49918, 49919, 49920];

    /// <summary>
    /// A unique or primary key constraint refused the row: SQLite 19 (extended 1555 or 2067), PostgreSQL 23505,
    /// SQL Server 2627 or 2601. This is how a resend is recognised under races (never search-then-insert alone).
    /// </summary>
    public static bool IsUniqueViolation(Exception e) => e switch
    {
        SqliteException s => s.SqliteErrorCode == SqliteConstraint
            && s.SqliteExtendedErrorCode is SqliteConstraintPrimaryKey or SqliteConstraintUnique,
        PostgresException p => p.SqlState == PostgresErrorCodes.UniqueViolation,
        SqlException m => m.Number is 2627 or 2601,
        _ => false,
    };

    /// <summary>
    /// A conflict that running the same transaction again can resolve: SQLite busy or locked, PostgreSQL
    /// serialization failure (40001) or deadlock (40P01), SQL Server deadlock victim (1205).
    /// </summary>
    public static bool IsTransientConflict(Exception e) => e switch
    {
        SqliteException s => s.SqliteErrorCode is SqliteBusy or SqliteLocked,
        PostgresException p => p.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected,
        SqlException m => m.Number == 1205,
        _ => false,
    };

    /// <summary>
    /// Whether the database is unavailable, so that the same request may succeed later (503 + Retry-After): it cannot be
    /// reached or opened, timed out, is shutting down, out of resources, busy, or failed on its own (I/O, corruption).
    /// A data exception (PostgreSQL class 22), a constraint (23) or any other refusal of this request is not: retrying
    /// it would fail forever, so it is an error of the service (500, audited), never "retry later".
    /// </summary>
    public static bool IsUnavailable(Exception e) => e switch
    {
        TimeoutException => true,
        PostgresException p => p.SqlState.StartsWith("08", StringComparison.Ordinal) // connection exception
            || p.SqlState.StartsWith("53", StringComparison.Ordinal) // insufficient resources (disk full, too many connections)
            || p.SqlState.StartsWith("57P", StringComparison.Ordinal) // shutdown, crash, cannot connect now
            || p.SqlState.StartsWith("58", StringComparison.Ordinal) // system error (I/O)
            || p.SqlState is PostgresErrorCodes.QueryCanceled or PostgresErrorCodes.LockNotAvailable
            || IsTransientConflict(p),
        NpgsqlException => true, // not a PostgresException: the server was not reached or the connection broke
        SqliteException s => s.SqliteErrorCode is SqliteBusy or SqliteLocked or SqliteNoMemory or SqliteReadOnly or SqliteIoError
            or SqliteCorrupt or SqliteFull or SqliteCantOpen or SqliteProtocol or SqliteNotADatabase,
        SqlException m => m.Class >= 20 || SqlServerUnavailable.Contains(m.Number),
        _ => e.InnerException is { } inner && IsUnavailable(inner),
    };

    /// <summary>Whether a failure is the database's (connection refused, timeout, error) rather than a bug.</summary>
    public static bool IsDatabaseFailure(Exception e) => e is DbException or TimeoutException || e.InnerException is DbException;
}
