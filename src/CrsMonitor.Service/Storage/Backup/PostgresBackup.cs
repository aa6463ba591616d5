using System.Data;
using System.Globalization;
using Dapper;
using Npgsql;

namespace CrsMonitor.Service.Storage.Backup;

/// <summary>
/// <c>backup</c> on PostgreSQL: <c>pg_dump -Fc</c> (custom format, compressed, read by <c>pg_restore</c>) found on PATH,
/// of a snapshot this verb exports (<c>--snapshot</c>) so the counts it prints are those of the dump; the service keeps
/// running. Refused when pg_dump is missing or older than the server (pg_dump refuses a newer server). Written to a
/// temporary file, checked (<see cref="PostgresArchive"/>: every byte readable, the journal known to this build), then
/// renamed into place.
/// </summary>
internal static class PostgresBackup
{
    public static int Run(string connectionString, BackupArguments options, PgTools tools, TimeProvider time, TextWriter stdout)
    {
        var destination = Path.GetFullPath(options.To!);
        if (File.Exists(destination) && !options.Force)
        {
            throw new BackupException($"{destination} exists: name each backup (e.g. by date), or pass --force to replace it");
        }

        var folder = Path.GetDirectoryName(destination)!;
        if (!Directory.Exists(folder))
        {
            throw new BackupException($"the folder {folder} does not exist");
        }

        var pgDump = tools.Find("pg_dump");
        var dumpVersion = PgTools.MajorVersion(pgDump);
        var connection = new NpgsqlConnectionStringBuilder(connectionString);
        var partial = Path.Combine(folder, $".{Path.GetFileName(destination)}.{Guid.NewGuid():N}.partial");
        var started = time.GetTimestamp();
        try
        {
            using var c = new NpgsqlConnection(connectionString);
            c.Open();
            var serverVersion = c.ExecuteScalar<int>(BackupSql.PostgresServerVersion) / 10000;
            if (dumpVersion < serverVersion)
            {
                throw new BackupException($"pg_dump {dumpVersion} ({pgDump}) is older than the server (PostgreSQL {serverVersion}) and cannot dump it: "
                    + $"install postgresql-client-{serverVersion} and put its bin folder first on PATH");
            }

            using var snapshot = c.BeginTransaction(IsolationLevel.RepeatableRead);
            var id = c.ExecuteScalar<string>(BackupSql.PostgresExportSnapshot, transaction: snapshot)!;
            var counts = c.QuerySingle<BackupCounts>(BackupSql.Counts, transaction: snapshot);
            var dump = PgTools.Run(pgDump, ["--format=custom", $"--snapshot={id}", $"--file={partial}"], connection);
            if (dump.ExitCode != 0)
            {
                throw new BackupException($"pg_dump failed (exit {dump.ExitCode}): {dump.Stderr.Trim()}");
            }

            snapshot.Commit();
            SqliteFile.Sync(partial);
            var dumped = time.GetElapsedTime(started);
            var contents = PostgresArchive.Check(tools, partial);
            File.Move(partial, destination, overwrite: options.Force);
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"backup: wrote {destination} ({new FileInfo(destination).Length} bytes, pg_dump {dumpVersion} custom format; dumped in {dumped.TotalSeconds:0.00} s, checked in {(time.GetElapsedTime(started) - dumped).TotalSeconds:0.00} s): {contents.Schema}"));
            stdout.WriteLine($"backup: {counts}");
            return BackupExit.Done;
        }
        catch (NpgsqlException e)
        {
            throw new BackupException($"could not read the database: {e.Message}", e);
        }
        finally
        {
            File.Delete(partial);
        }
    }
}
