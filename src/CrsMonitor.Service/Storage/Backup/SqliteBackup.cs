using System.Globalization;
using Dapper;
using Microsoft.Data.Sqlite;

namespace CrsMonitor.Service.Storage.Backup;

/// <summary>
/// <c>backup</c> on SQLite: SQLite's online backup (<see cref="SqliteConnection.BackupDatabase(SqliteConnection)"/>, one
/// step: it reads one snapshot while the service keeps writing, WAL readers never block the writer) into a temporary
/// file beside the destination, made one self-contained file (rollback journal, no -wal), synced, checked
/// (<see cref="SqliteFile.Check"/>) and only then renamed over the destination. A copy that fails its check never
/// replaces an earlier backup.
/// </summary>
internal static class SqliteBackup
{
    public static int Run(string connectionString, BackupArguments options, TimeProvider time, TextWriter stdout)
    {
        var source = SqliteFile.PathOf(connectionString);
        var destination = Path.GetFullPath(options.To!);
        if (!File.Exists(source))
        {
            throw new BackupException($"there is no database at {source} (check Storage:ConnectionString or the data folder)");
        }

        if (new[] { source, source + "-wal", source + "-shm" }.Contains(destination, StringComparer.Ordinal))
        {
            throw new BackupException($"--to {destination} is the live database: a backup goes elsewhere (another disk)");
        }

        if (File.Exists(destination) && !options.Force)
        {
            throw new BackupException($"{destination} exists: name each backup (e.g. by date), or pass --force to replace it");
        }

        var folder = Path.GetDirectoryName(destination)!;
        if (!Directory.Exists(folder))
        {
            throw new BackupException($"the folder {folder} does not exist");
        }

        var partial = Path.Combine(folder, $".{Path.GetFileName(destination)}.{Guid.NewGuid():N}.partial");
        var started = time.GetTimestamp();
        try
        {
            using (var from = SqliteFile.Open(source))
            using (var to = SqliteFile.Open(partial, SqliteOpenMode.ReadWriteCreate))
            {
                from.BackupDatabase(to);
                to.Execute(BackupSql.RollbackJournal);
            }

            SqliteFile.Sync(partial);
            var copied = time.GetElapsedTime(started);
            var contents = SqliteFile.Check(partial);
            File.Move(partial, destination, overwrite: options.Force);
            var bytes = new FileInfo(destination).Length;
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"backup: wrote {destination} ({bytes} bytes; copied in {copied.TotalSeconds:0.00} s, checked in {(time.GetElapsedTime(started) - copied).TotalSeconds:0.00} s): integrity ok, {contents.Schema}"));
            stdout.WriteLine($"backup: {contents.Counts?.ToString() ?? "counts not taken (older schema)"}");
            return BackupExit.Done;
        }
        catch (SqliteException e)
        {
            throw new BackupException($"could not copy {source}: SQLite error {e.SqliteErrorCode}: {e.Message}", e);
        }
        finally
        {
            if (File.Exists(partial))
            {
                SqliteFile.DeleteWithSidecars(partial);
            }
        }
    }
}
