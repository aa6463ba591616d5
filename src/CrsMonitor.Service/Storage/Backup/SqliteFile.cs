using Dapper;
using Microsoft.Data.Sqlite;

namespace CrsMonitor.Service.Storage.Backup;

/// <summary>SQLite files as the backup and restore verbs handle them: opened unpooled (closed means closed), checked, synced.</summary>
internal static class SqliteFile
{
    private const int Corrupt = 11;
    private const int NotADatabase = 26;
    private const int Busy = 5;
    private const int Locked = 6;

    /// <summary>The full path of the database a SQLite connection string names.</summary>
    public static string PathOf(string connectionString)
    {
        var source = new SqliteConnectionStringBuilder(connectionString).DataSource;
        if (string.IsNullOrWhiteSpace(source) || source == ":memory:" || source.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            throw new BackupException($"Storage:ConnectionString names no database file ('{source}'): give Data Source=PATH");
        }

        return Path.GetFullPath(source);
    }

    /// <summary>An unpooled connection to <paramref name="path"/>, never creating it unless <paramref name="mode"/> says so.</summary>
    public static SqliteConnection Open(string path, SqliteOpenMode mode = SqliteOpenMode.ReadWrite, int timeoutSeconds = 10)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path, Mode = mode, Pooling = false, DefaultTimeout = timeoutSeconds,
        }.ConnectionString);
        connection.Open();
        return connection;
    }

    /// <summary>
    /// Checks a SQLite file that is a candidate backup: <c>PRAGMA integrity_check</c>, the migration journal present and
    /// known to this build, and the key tables' counts. Throws <see cref="BackupException"/> (check failed) naming what is wrong.
    /// </summary>
    public static BackupContents Check(string path)
    {
        try
        {
            using var c = Open(path);
            var integrity = c.Query<string>(BackupSql.IntegrityCheck).ToList();
            if (integrity is not ["ok"])
            {
                throw BackupException.Check($"PRAGMA integrity_check found {integrity.Count} problem(s), first: {integrity.FirstOrDefault()}");
            }

            if (c.ExecuteScalar<long>(BackupSql.SqliteHasJournal) == 0)
            {
                throw BackupException.Check($"it has no migration journal ({Migrations.JournalTable}): not a CrsMonitor database");
            }

            var (journal, pending) = BackupContents.CheckJournal(StorageProvider.Sqlite, [.. c.Query<string>(BackupSql.Journal)]);
            var counts = pending.Count == 0 ? c.QuerySingle<BackupCounts>(BackupSql.Counts) : null;
            return new BackupContents(journal, pending, counts);
        }
        catch (SqliteException e) when (e.SqliteErrorCode is Corrupt or NotADatabase)
        {
            throw BackupException.Check($"it is not a readable SQLite database (SQLite error {e.SqliteErrorCode}: {e.Message})", e);
        }
    }

    /// <summary>
    /// Holds <paramref name="path"/>'s exclusive lock until disposed, or throws <see cref="BackupException"/> when another
    /// connection has the database open (see <see cref="BackupSql.ExclusiveLockingMode"/>). Null when the file is not a
    /// database at all (nothing can be using it as one: a restore may replace it).
    /// </summary>
    public static SqliteConnection? Lock(string path)
    {
        var c = Open(path, timeoutSeconds: 2);
        try
        {
            c.Execute(BackupSql.ExclusiveLockingMode);
            c.Execute(BackupSql.BeginExclusive);
            c.ExecuteScalar<long>(BackupSql.ReadSchema);
            return c;
        }
        catch (SqliteException e) when (e.SqliteErrorCode is Busy or Locked)
        {
            c.Dispose();
            throw new BackupException($"{path} is in use: another connection (the running service, a verb, a SQLite shell) has it open. Stop the service, then restore", e);
        }
        catch (SqliteException e) when (e.SqliteErrorCode is Corrupt or NotADatabase)
        {
            c.Dispose();
            return null;
        }
    }

    /// <summary>Makes the file owner-only (it holds patient data, like the data folder) and writes its data to the disk before it is renamed into place.</summary>
    public static void Sync(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Deletes the file and the WAL and shared-memory files SQLite may have left beside it.</summary>
    public static void DeleteWithSidecars(string path)
    {
        File.Delete(path);
        DeleteSidecars(path);
    }

    /// <summary>Deletes the -wal and -shm files beside <paramref name="path"/>: a WAL left from another database would be replayed into this one.</summary>
    public static void DeleteSidecars(string path)
    {
        File.Delete(path + "-wal");
        File.Delete(path + "-shm");
        File.Delete(path + "-journal");
    }
}
