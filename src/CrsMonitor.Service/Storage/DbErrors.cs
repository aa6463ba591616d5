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

    /// <summary>Whether a failure is the database's (connection refused, timeout, error) rather than a bug.</summary>
    public static bool IsDatabaseFailure(Exception e) => e is DbException or TimeoutException || e.InnerException is DbException;
}
