using System.Globalization;
using Microsoft.Data.Sqlite;

namespace CrsMonitor.Service.Storage.Backup;

/// <summary>
/// <c>restore --from PATH</c> on SQLite: copies the backup to a temporary file beside the database, checks that copy
/// (<see cref="SqliteFile.Check"/>: integrity, journal, not newer than this build), and renames it over the database
/// while holding the old database's exclusive lock (refused while anyone has it open, the service included); stale
/// -wal, -shm and -journal files are deleted with it. An existing database is replaced only with <c>--force</c>. Then
/// the audit's hash chain is verified on the restored database.
/// </summary>
internal static class SqliteRestore
{
    public static int Run(string connectionString, BackupArguments options, TextWriter stdout, TextWriter stderr)
    {
        var target = SqliteFile.PathOf(connectionString);
        var backup = Path.GetFullPath(options.From!);
        if (!File.Exists(backup))
        {
            throw new BackupException($"there is no backup at {backup}");
        }

        if (string.Equals(backup, target, StringComparison.Ordinal))
        {
            throw new BackupException($"--from {backup} is the database being restored");
        }

        if (File.Exists(backup + "-wal"))
        {
            throw new BackupException($"{backup}-wal exists beside it: {backup} is a live database, not a backup (make one with the backup verb)");
        }

        var exists = File.Exists(target);
        if (exists && !options.Force)
        {
            throw new BackupException($"{target} exists and a restore replaces it: stop the service, then run restore again with --force");
        }

        var folder = Path.GetDirectoryName(target)!;
        if (!Directory.Exists(folder))
        {
            throw new BackupException($"the folder {folder} does not exist");
        }

        var partial = Path.Combine(folder, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.restoring");
        BackupContents contents;
        try
        {
            File.Copy(backup, partial);
            contents = SqliteFile.Check(partial);
            SqliteFile.Sync(partial);
            using var held = exists ? SqliteFile.Lock(target) : null;
            File.Move(partial, target, overwrite: true);
            SqliteFile.DeleteSidecars(target);
        }
        catch (BackupException e)
        {
            throw new BackupException(e.ExitCode, $"{backup} was not restored: {e.Message}", e);
        }
        finally
        {
            if (File.Exists(partial))
            {
                SqliteFile.DeleteWithSidecars(partial);
            }
        }

        var rest = contents.Pending.Count > 0 ? "; the service applies the rest at start-up" : string.Empty;
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"restore: {target} restored from {backup} ({new FileInfo(target).Length} bytes): integrity ok, {contents.Schema}{rest}"));
        if (contents.Counts is { } counts)
        {
            stdout.WriteLine($"restore: {counts}");
        }

        if (contents.Pending.Count > 0)
        {
            stdout.WriteLine("restore: the audit is verified once the service has migrated it: run verify-audit after its start");
            return BackupExit.Done;
        }

        var unpooled = new SqliteConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
        return RestoredAudit.Verify(StorageProvider.Sqlite, unpooled, stdout, stderr);
    }
}
