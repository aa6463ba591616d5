using System.Data.Common;
using System.Text;
using Dapper;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CrsMonitor.Service.Storage;

/// <summary>Small helpers every store uses: which provider a connection is, and a Dapper command in the right transaction.</summary>
internal static class Dialect
{
    public static StorageProvider Of(DbConnection connection) => connection switch
    {
        SqliteConnection => StorageProvider.Sqlite,
        NpgsqlConnection => StorageProvider.Postgres,
        SqlConnection => StorageProvider.SqlServer,
        _ => throw new NotSupportedException($"{connection?.GetType().Name ?? "null"} is not a supported connection"),
    };

    /// <summary>
    /// Picks the statement for this connection's provider: <paramref name="sqlServer"/> on SQL Server, else the
    /// statement SQLite and PostgreSQL share (the dialect difference stays at the one statement that differs).
    /// </summary>
    public static string Pick(DbConnection connection, string sqliteAndPostgres, string sqlServer) =>
        Of(connection) == StorageProvider.SqlServer ? sqlServer : sqliteAndPostgres;

    public static CommandDefinition Command(DbConnection connection, DbTransaction? transaction, string sql, object? args, CancellationToken ct) =>
        new(sql, args, Database.TransactionFor(connection, transaction), cancellationToken: ct);

    /// <summary>
    /// Inserts a row that may already exist; false when a unique or primary key refused it. SQLite and PostgreSQL use
    /// <c>ON CONFLICT DO NOTHING</c> (a failed statement would abort a PostgreSQL transaction); SQL Server reports
    /// 2627/2601, which ends only the statement, not the transaction.
    /// </summary>
    public static async Task<bool> TryInsertAsync(
        DbConnection connection, DbTransaction transaction, string onConflictDoNothing, string plainInsert, object args, CancellationToken ct)
    {
        if (Of(connection) != StorageProvider.SqlServer)
        {
            return await connection.ExecuteAsync(Command(connection, transaction, onConflictDoNothing, args, ct)).ConfigureAwait(false) == 1;
        }

        try
        {
            await connection.ExecuteAsync(Command(connection, transaction, plainInsert, args, ct)).ConfigureAwait(false);
            return true;
        }
        catch (SqlException e) when (DbErrors.IsUniqueViolation(e))
        {
            return false;
        }
    }
}

/// <summary>
/// Text made safe to store on every provider: NUL and unpaired surrogates (PostgreSQL refuses both) become U+FFFD,
/// and bounded columns are clipped to the SQL Server column size, so a write never fails on a long or odd value.
/// </summary>
internal static class StoredText
{
    public static string? Clean(string? text, int maxLength = int.MaxValue)
    {
        if (text is null)
        {
            return null;
        }

        var clipped = text.Length > maxLength ? text[..maxLength] : text;
        if (!NeedsCleaning(clipped))
        {
            return clipped;
        }

        var builder = new StringBuilder(clipped.Length);
        for (var i = 0; i < clipped.Length; i++)
        {
            var c = clipped[i];
            if (char.IsHighSurrogate(c) && i + 1 < clipped.Length && char.IsLowSurrogate(clipped[i + 1]))
            {
                builder.Append(c).Append(clipped[++i]);
            }
            else
            {
                builder.Append(c == '\0' || char.IsSurrogate(c) ? '\uFFFD' : c);
            }
        }

        return builder.ToString();
    }

    private static bool NeedsCleaning(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (c == '\0' || char.IsSurrogate(c))
            {
                return true;
            }
        }

        return false;
    }
}
